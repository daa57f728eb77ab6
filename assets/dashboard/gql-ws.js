// A small graphql-transport-ws client (the protocol /graphql speaks): one socket,
// `connection_init` with the bearer token, `subscribe` / `next` / `error` / `complete`,
// `ping` answered with `pong`, and reconnection with a capped backoff. A reconnection
// starts from scratch; `onConnected` runs after every `connection_ack`, so the caller
// subscribes again there (with whatever cursor it has reached).

const PROTOCOL = 'graphql-transport-ws';

/**
 * @param {object} o
 * @param {string} o.url ws:// or wss:// URL of /graphql
 * @param {string} o.token bearer token
 * @param {() => string} [o.language] the language to send in `connection_init` (messages)
 * @param {(state: string, info?: object) => void} o.onStatus connecting | live | reconnecting | closed
 * @param {(conn: object) => void} o.onConnected after each acknowledgement
 * @param {(code: number, reason: string) => void} o.onRefused 4401/4403: the token is no good
 */
export function connect({ url, token, language, onStatus, onConnected, onRefused }) {
  let ws = null;
  let attempt = 0;
  let stopped = false;
  let timer = null;
  let nextId = 0;
  const handlers = new Map();

  const send = (msg) => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  };

  const conn = {
    /** Starts an operation; returns a function that completes it. */
    subscribe(query, variables, h) {
      const id = String(++nextId);
      handlers.set(id, h);
      send({ id, type: 'subscribe', payload: { query, variables } });
      return () => {
        if (handlers.delete(id)) send({ id, type: 'complete' });
      };
    },
    /** Closes for good. */
    close() {
      stopped = true;
      clearTimeout(timer);
      if (ws) ws.close(1000, 'bye');
    },
    /** Drops the socket as a network failure would (the page reconnects). */
    drop() {
      if (ws) ws.close(4000, 'dropped by the page');
    },
  };

  function open() {
    onStatus('connecting');
    const socket = new WebSocket(url, PROTOCOL);
    ws = socket;
    socket.onopen = () => {
      const payload = { Authorization: `Bearer ${token}` };
      if (language) payload.language = language();
      socket.send(JSON.stringify({ type: 'connection_init', payload }));
    };
    socket.onmessage = (ev) => {
      let m;
      try {
        m = JSON.parse(ev.data);
      } catch {
        return;
      }
      const h = m.id !== undefined ? handlers.get(m.id) : undefined;
      switch (m.type) {
        case 'connection_ack':
          attempt = 0;
          onStatus('live');
          onConnected(conn);
          break;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong' }));
          break;
        case 'next':
          if (h) h.next(m.payload);
          break;
        case 'error':
          handlers.delete(m.id);
          if (h && h.error) h.error(m.payload);
          break;
        case 'complete':
          handlers.delete(m.id);
          if (h && h.complete) h.complete();
          break;
        default:
          break;
      }
    };
    socket.onclose = (ev) => {
      if (ws !== socket) return;
      handlers.clear();
      if (stopped) {
        onStatus('closed');
        return;
      }
      if (ev.code === 4401 || ev.code === 4403) {
        stopped = true;
        onStatus('closed');
        onRefused(ev.code, ev.reason);
        return;
      }
      const delay = Math.min(10000, 500 * 2 ** attempt);
      attempt += 1;
      onStatus('reconnecting', { delay });
      timer = setTimeout(open, delay);
    };
  }

  open();
  return conn;
}
