// Live inspection for `nvme-actors run --inspect`: a relay server on loopback (127.0.0.1) that @statelyai/inspect's
// WebSocket inspector (createWebSocketInspector) streams the actor system's inspection events into, and that any
// number of viewers read from: the Stately inspector through the bridge page served at http://127.0.0.1:PORT/, or
// any WebSocket client. Every event of the run is kept and replayed to a viewer that connects late. Loaded only
// through a dynamic import, so a run without --inspect never loads the package or opens a socket.
// Who may connect (docs/threat-model.md): viewers need the run's random token (in the printed URLs); a browser
// must come from the bridge page's own origin; the source endpoint takes one connection, the run's own, which
// holds a second secret that is never printed; a Host other than the loopback address is refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createWebSocketInspector } from '@statelyai/inspect';
import type { InspectionEvent, Observer } from 'xstate';

/** The path the run's own inspector connects on; viewers use any other path. */
const SOURCE_PATH = '/.nvme-actors/source';
/** Events kept for viewers that connect late (the oldest go first past this). */
const MAX_KEPT = 200_000;
const STATELY_INSPECTOR = 'https://stately.ai/inspect';

export class InspectPortError extends Error {
  override readonly name = 'InspectPortError';
}

export interface LiveInspector {
  readonly port: number;
  /** Where viewers connect: ws://127.0.0.1:PORT/?token=TOKEN (a random token per run) */
  readonly wsUrl: string;
  /** The bridge page for the Stately inspector: http://127.0.0.1:PORT/?token=TOKEN */
  readonly pageUrl: string;
  /** Pass to createController's `inspect` option (makeEmulatorTarget). */
  readonly inspect: Observer<InspectionEvent>;
  /** Resolves when the first viewer is connected. */
  waitForViewer(): Promise<void>;
  /** Sends what is still queued, closes every connection and the server. */
  close(): Promise<void>;
}

/** Typed arrays (4 KiB log pages, PRP data) go to the inspector as their length, not as 4096 numbered keys. */
function compact(value: unknown, depth = 0): unknown {
  if (ArrayBuffer.isView(value)) return { [value.constructor.name]: value.byteLength };
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => compact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = compact(v, depth + 1);
  return out;
}

export async function startLiveInspector(options: { port: number }): Promise<LiveInspector> {
  const kept: string[] = [];
  const viewers = new Set<WebSocket>();
  let viewerArrived: () => void = () => undefined;
  const firstViewer = new Promise<void>((resolve) => (viewerArrived = resolve));
  let sourceArrived: () => void = () => undefined;
  const sourceConnected = new Promise<void>((resolve) => (sourceArrived = resolve));
  let sourceGone: () => void = () => undefined;
  const sourceClosed = new Promise<void>((resolve) => (sourceGone = resolve));

  const token = randomBytes(16).toString('hex');
  const sourceKey = randomBytes(32).toString('hex');
  let port = 0;
  let sourceTaken = false;
  /** Only the loopback address and port this server listens on (a DNS-rebinding page sends its own Host). */
  const hostOk = (req: IncomingMessage): boolean => req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  /** A browser sends Origin: only the bridge page's own may connect; other clients send none. */
  const originOk = (req: IncomingMessage): boolean => req.headers.origin === undefined || req.headers.origin === `http://127.0.0.1:${port}` || req.headers.origin === `http://localhost:${port}`;
  const query = (req: IncomingMessage): { path: string; params: URLSearchParams } => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    return { path: url.pathname, params: url.searchParams };
  };

  const http: Server = createServer((req, res) => {
    const { path, params } = query(req);
    if (!hostOk(req) || path !== '/' || !secretEquals(params.get('token'), token)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('forbidden: open the URL the run printed (it carries the run\'s token)\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    res.end(bridgePage(token));
  });
  const wss = new WebSocketServer({
    server: http,
    verifyClient: ({ req }: { req: IncomingMessage }) => {
      if (!hostOk(req)) return false;
      const { path, params } = query(req);
      if (path === SOURCE_PATH) {
        // The run's own inspector: the unprinted key, no browser, and only once.
        if (sourceTaken || req.headers.origin !== undefined || !secretEquals(params.get('key'), sourceKey)) return false;
        sourceTaken = true;
        return true;
      }
      return path === '/' && originOk(req) && secretEquals(params.get('token'), token);
    },
  });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    if (query(req).path === SOURCE_PATH) {
      sourceArrived();
      ws.on('message', (data) => {
        const text = data.toString();
        kept.push(text);
        if (kept.length > MAX_KEPT) kept.shift();
        for (const v of viewers) if (v.readyState === WebSocket.OPEN) v.send(text);
      });
      ws.on('close', () => sourceGone());
      return;
    }
    for (const text of kept) ws.send(text);
    viewers.add(ws);
    ws.on('close', () => viewers.delete(ws));
    ws.on('error', () => viewers.delete(ws));
    viewerArrived();
  });
  wss.on('error', () => undefined); // errors of the listening socket are the http server's (below)

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      http.off('listening', onListening);
      const why = e.code === 'EADDRINUSE' ? 'is in use' : e.code === 'EACCES' ? 'is not allowed' : `cannot be opened (${e.code ?? e.message})`;
      reject(new InspectPortError(`--port ${options.port}: 127.0.0.1:${options.port} ${why}; choose another with --port N (0 picks a free one)`));
    };
    const onListening = (): void => {
      http.off('error', onError);
      resolve();
    };
    http.once('error', onError);
    http.once('listening', onListening);
    http.listen(options.port, '127.0.0.1');
  });
  port = (http.address() as AddressInfo).port;

  const inspector = createWebSocketInspector({
    url: `ws://127.0.0.1:${port}${SOURCE_PATH}?key=${sourceKey}`,
    // Everything the run produces is held until the socket is open (the default keeps only 200).
    maxDeferredEvents: MAX_KEPT,
    sanitizeEvent: (event) => compact(event) as typeof event,
    sanitizeContext: (context) => compact(context) as typeof context,
  });
  await sourceConnected;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // @statelyai/inspect converts each inspection event on a 0 ms timer: let those that are due run first.
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
      inspector.stop(); // a close frame after the queued events: the relay has them all when the source closes
      // The adapter reconnects after an error every 5 s, for ever: once stopped, an error must not bring it back.
      const socket = (inspector.adapter as unknown as { ws?: { onerror: unknown } }).ws;
      if (socket) socket.onerror = () => undefined;
      await Promise.race([sourceClosed, delay(2000)]);
      await Promise.all([...viewers].map((v) => closeGracefully(v)));
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    })());

  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/?token=${token}`,
    pageUrl: `http://127.0.0.1:${port}/?token=${token}`,
    inspect: inspector.inspect,
    waitForViewer: () => firstViewer,
    close,
  };
}

/** Constant-time comparison of a presented secret with the expected one. */
function secretEquals(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Close with 1000 after what is queued has been sent; a viewer that does not answer within a second is cut off. */
function closeGracefully(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 1000);
    timer.unref();
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000, 'run finished');
  });
}

/** The page a browser opens to watch the run in the Stately inspector (loaded from stately.ai by the browser, not
 * by this program): it relays the WebSocket's events into the inspector frame once that frame says it is ready. */
function bridgePage(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nvme-actors: live inspection</title>
<style>html,body{height:100%;margin:0}iframe{width:100%;height:100%;border:0}</style>
</head>
<body>
<iframe id="inspector" src="${STATELY_INSPECTOR}" title="Stately inspector"></iframe>
<script>
const frame = document.getElementById('inspector');
const held = [];
let ready = false;
window.addEventListener('message', (e) => {
  if (e.data && e.data.type === '@statelyai.connected' && !ready) {
    ready = true;
    for (const event of held.splice(0)) frame.contentWindow.postMessage(event, '*');
  }
});
const ws = new WebSocket('ws://' + location.host + '/?token=' + ${JSON.stringify(token)});
ws.onmessage = (m) => {
  const event = JSON.parse(m.data);
  if (ready) frame.contentWindow.postMessage(event, '*');
  else held.push(event);
};
</script>
</body>
</html>
`;
}
