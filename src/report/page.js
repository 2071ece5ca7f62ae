// The HTML trace report's script (inlined into the page by src/report/html.ts; plain browser JavaScript, no
// modules, nothing fetched). It reads the report data from <script id="report-data">, fills the timeline of the
// selected run, and at the selected row marks the active states in each chart's SVG (class `active` on the
// Graphviz groups whose <title> is the state node id, or `cluster_` + id for compound states) and the spec chart's
// transitions the row's step took (class `taken` on the arrow or the row inside a state). Each chart zooms: its
// − / 1:1 / + / fit buttons, or Ctrl + wheel over it; 1:1 is the drawing's own size, scrolled inside the figure.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var runSelect = document.getElementById('run');
  var timeline = document.getElementById('timeline');
  var position = document.getElementById('position');
  var prev = document.getElementById('prev');
  var next = document.getElementById('next');
  var runIndex = 0;
  var rowIndex = 0;

  // Per chart: state node id -> the SVG group drawing it.
  var groups = {};
  var captions = {};
  var style = document.createElement('style');
  style.textContent = [
    'figure.chart .zoom { float: right; display: flex; gap: 4px; font-weight: 400; }',
    'figure.chart .zoom button { font: 12px/1 system-ui, sans-serif; padding: 2px 7px; border: 1px solid #a0aec0; border-radius: 3px; background: #f7fafc; cursor: pointer; }',
    'figure.chart .viewport { overflow: auto; max-height: 70vh; }',
    'figure.chart.zoomed svg { max-height: none; max-width: none; }',
    'figure.chart .taken-list { font-weight: 400; color: #c05621; font-size: 12px; margin-top: 2px; }',
    'g.edge.taken > path { stroke: #dd6b20; stroke-width: 3.5px; }',
    'g.edge.taken > polygon { fill: #dd6b20; stroke: #dd6b20; }',
    'g.edge.taken text, g.taken > a > text { font-weight: 700; }',
    'g.taken > a > text, g.edge.taken text { fill: #c05621; }'
  ].join('\n');
  document.head.appendChild(style);

  var zooms = {};
  data.charts.forEach(function (chart) {
    var figure = document.querySelector('figure[data-chart="' + chart.name + '"]');
    captions[chart.name] = figure.querySelector('.active-states');
    zooms[chart.name] = addZoom(figure);
    var map = {};
    figure.querySelectorAll('g.node, g.cluster').forEach(function (g) {
      var title = g.querySelector(':scope > title');
      if (!title) return;
      var id = title.textContent;
      if (g.classList.contains('cluster')) id = id.replace(/^cluster_/, '');
      map[id] = g;
    });
    groups[chart.name] = map;
  });

  // Zoom: the SVG inside a scrolling viewport, sized from its viewBox (scale 1 = the drawing's own size).
  function addZoom(figure) {
    var svg = figure.querySelector('svg');
    var caption = figure.querySelector('figcaption');
    if (!svg || !caption) return null;
    var box = (svg.getAttribute('viewBox') || '').split(/\s+/).map(Number);
    var width = box[2] || 0;
    var height = box[3] || 0;
    var viewport = document.createElement('div');
    viewport.className = 'viewport';
    svg.parentNode.insertBefore(viewport, svg);
    viewport.appendChild(svg);
    var taken = document.createElement('div');
    taken.className = 'taken-list';
    caption.appendChild(taken);
    var bar = document.createElement('span');
    bar.className = 'zoom';
    var scale = null; // null: fit the figure's width
    function apply() {
      if (scale === null) {
        figure.classList.remove('zoomed');
        svg.style.width = '';
        svg.style.height = '';
      } else {
        figure.classList.add('zoomed');
        svg.style.width = width * scale + 'px';
        svg.style.height = height * scale + 'px';
      }
      label.textContent = scale === null ? 'fit' : Math.round(scale * 100) + '%';
    }
    function current() {
      return scale === null ? svg.getBoundingClientRect().width / (width || 1) : scale;
    }
    function button(text, title, onClick) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = text;
      b.title = title;
      b.addEventListener('click', onClick);
      bar.appendChild(b);
      return b;
    }
    button('−', 'zoom out', function () { scale = Math.max(0.2, current() / 1.25); apply(); });
    button('1:1', 'actual size', function () { scale = 1; apply(); });
    button('+', 'zoom in', function () { scale = Math.min(6, current() * 1.25); apply(); });
    button('fit', 'fit the width', function () { scale = null; apply(); });
    var label = document.createElement('span');
    label.className = 'zoom-level';
    bar.appendChild(label);
    caption.insertBefore(bar, caption.firstChild);
    viewport.addEventListener('wheel', function (e) {
      if (!e.ctrlKey) return;
      e.preventDefault();
      scale = Math.max(0.2, Math.min(6, current() * (e.deltaY < 0 ? 1.1 : 1 / 1.1)));
      apply();
    }, { passive: false });
    apply();
    return { taken: taken, set: function (s) { scale = s; apply(); } };
  }

  function run() {
    return data.runs[runIndex];
  }

  var takenNow = [];
  function markTaken(row) {
    takenNow.forEach(function (el) { el.classList.remove('taken'); });
    takenNow = [];
    var set = row.taken === undefined ? null : data.takenSets[row.taken];
    if (set) {
      set.ids.forEach(function (id) {
        var el = document.getElementById(id);
        if (el) {
          el.classList.add('taken');
          takenNow.push(el);
        }
      });
    }
    Object.keys(zooms).forEach(function (name) {
      var z = zooms[name];
      if (z) z.taken.textContent = set && name === 'aen-log-page' ? 'taken: ' + set.names.join(' · ') : '';
    });
  }

  var KIND_LABEL = {
    start: 'start', submit: 'submit', completion: 'complete', aen: 'AEN', receipt: 'receipt', log: 'log read',
    register: 'register', lifecycle: 'lifecycle', expect: 'expect', note: 'note'
  };

  function fillTimeline() {
    timeline.textContent = '';
    run().rows.forEach(function (row, i) {
      var li = document.createElement('li');
      li.className = 'row kind-' + row.kind + (row.ok === false ? ' failed' : row.ok === true ? ' held' : '');
      li.dataset.index = String(i);
      li.setAttribute('role', 'option');
      var n = document.createElement('span');
      n.className = 'n';
      n.textContent = String(i);
      var kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = KIND_LABEL[row.kind] || row.kind;
      var text = document.createElement('span');
      text.className = 'text';
      text.textContent = row.text;
      li.appendChild(n);
      li.appendChild(kind);
      li.appendChild(text);
      li.addEventListener('click', function () {
        select(i);
      });
      timeline.appendChild(li);
    });
  }

  function select(i) {
    var rows = run().rows;
    rowIndex = Math.max(0, Math.min(rows.length - 1, i));
    var items = timeline.children;
    for (var k = 0; k < items.length; k++) {
      var on = k === rowIndex;
      items[k].classList.toggle('selected', on);
      items[k].setAttribute('aria-selected', on ? 'true' : 'false');
    }
    var current = items[rowIndex];
    if (current && current.scrollIntoView) current.scrollIntoView({ block: 'nearest' });
    var row = rows[rowIndex];
    var active = {};
    data.activeSets[row.active].forEach(function (id) {
      active[id] = true;
    });
    data.charts.forEach(function (chart) {
      var map = groups[chart.name];
      var leaves = [];
      Object.keys(map).forEach(function (id) {
        var on = active[id] === true;
        map[id].classList.toggle('active', on);
        if (on && map[id].classList.contains('node')) leaves.push(id.slice(chart.machineId.length + 1));
      });
      captions[chart.name].textContent = leaves.length ? leaves.join(', ') : active[chart.machineId] ? '' : '(not running)';
    });
    markTaken(row);
    position.textContent = 'row ' + rowIndex + ' of ' + (rows.length - 1) + (row.step >= 0 ? ' · scenario step ' + row.step : '');
    prev.disabled = rowIndex === 0;
    next.disabled = rowIndex === rows.length - 1;
  }

  function selectRun(i) {
    runIndex = i;
    fillTimeline();
    select(0);
  }

  data.runs.forEach(function (r, i) {
    var option = document.createElement('option');
    option.value = String(i);
    option.textContent = (r.failed > 0 ? '✗ ' : '✓ ') + r.name + ' (' + r.passed + ' passed, ' + r.failed + ' failed)';
    runSelect.appendChild(option);
  });
  runSelect.addEventListener('change', function () {
    selectRun(Number(runSelect.value));
  });
  prev.addEventListener('click', function () {
    select(rowIndex - 1);
  });
  next.addEventListener('click', function () {
    select(rowIndex + 1);
  });
  document.addEventListener('keydown', function (e) {
    if (e.target === runSelect || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'ArrowRight') {
      select(rowIndex + 1);
      e.preventDefault();
    } else if (e.key === 'ArrowLeft') {
      select(rowIndex - 1);
      e.preventDefault();
    }
  });
  selectRun(0);
  document.body.dataset.ready = 'true';
})();
