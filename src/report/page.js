// The HTML trace report's script (inlined into the page by src/report/html.ts; plain browser JavaScript, no
// modules, nothing fetched). It reads the report data from <script id="report-data">, fills the timeline of the
// selected run, and at the selected row marks the active states in each chart's SVG (class `active` on the
// Graphviz groups whose <title> is the state node id, or `cluster_` + id for compound states).
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
  data.charts.forEach(function (chart) {
    var figure = document.querySelector('figure[data-chart="' + chart.name + '"]');
    captions[chart.name] = figure.querySelector('.active-states');
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

  function run() {
    return data.runs[runIndex];
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
