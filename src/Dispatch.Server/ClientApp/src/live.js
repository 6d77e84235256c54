import * as signalR from '@microsoft/signalr';

/** Keeps retrying forever: a control room or a patrol car must come back on its own. */
const retry = { nextRetryDelayInMilliseconds: (ctx) => Math.min(5000, 250 * 2 ** Math.min(ctx.previousRetryCount, 5)) };

/**
 * A hub connection that, on every (re)connect, calls `resync` (which must return a snapshot with `seq`)
 * and only then applies deltas newer than the snapshot; deltas that arrive meanwhile are held back.
 * When the host refuses the resync itself (a HubException: an unknown unit, say) and `onRefused` returns true,
 * the connection stops instead of retrying: trying again would only be refused again.
 */
export function liveConnection(url, { resync, onSnapshot, onState, onRefused }) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(url, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .withAutomaticReconnect(retry)
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  let snapshotSeq = null;
  let held = [];
  let stopped = false;

  const sync = async () => {
    snapshotSeq = null;
    const snapshot = await resync(connection);
    snapshotSeq = snapshot.seq;
    onSnapshot(snapshot);
    const waiting = held;
    held = [];
    waiting.filter((d) => d.seq > snapshotSeq).forEach((d) => d.apply());
    onState('connected');
  };

  /** Registers a delta handler: `payload.seq` decides whether it is newer than the snapshot. */
  const on = (name, apply) => connection.on(name, (payload) => {
    if (snapshotSeq === null) held.push({ seq: payload.seq, apply: () => apply(payload) });
    else if (payload.seq > snapshotSeq) apply(payload);
  });

  const refused = (e) => /HubException/.test(String(e?.message ?? e)) && onRefused?.(String(e.message).replace(/^.*HubException: /, ''));

  connection.onreconnecting(() => onState('reconnecting'));
  connection.onreconnected(() => sync().catch((e) => { if (refused(e)) stop(); else console.error(e); }));
  connection.onclose(() => { onState('disconnected'); if (!stopped) setTimeout(start, 2000); });

  async function start() {
    if (stopped) return;
    try {
      if (connection.state === signalR.HubConnectionState.Disconnected) await connection.start();
      await sync();
    } catch (e) {
      if (refused(e)) { await stop(); return; }
      onState('disconnected');
      if (!stopped) setTimeout(start, 2000);
    }
  }

  /** Ends the connection for good (sign-out, a refused sign-in); `start` opens it again. */
  async function stop() {
    stopped = true;
    try { await connection.stop(); } catch { /* already down */ }
    onState('disconnected');
  }

  function restart() { stopped = false; return start(); }

  return { connection, on, start: restart, stop, sync };
}

export const statusColors = {
  Available: '#2e9e44', Dispatched: '#f0a020', Acknowledged: '#1f6fd1', EnRoute: '#7a3fd1',
  OnScene: '#d12f2f', Clearing: '#6b6b6b', OutOfService: '#222222',
};

export const outcomeColors = { Met: '#2e9e44', AtRisk: '#f0a020', Breached: '#d12f2f', Pending: '#1f6fd1', NotRequired: '#999999', Void: '#999999' };

/** A tier's colour key: met, at risk (flagged, or under a third of its time left) or breached. */
export function tierState(tier, nowMs) {
  if (tier.outcome !== 'Pending') return tier.outcome;
  const left = Date.parse(tier.deadline) - nowMs;
  if (left <= 0) return 'Breached';
  return tier.atRisk ? 'AtRisk' : 'Pending';
}

export const formatSeconds = (s) => {
  const sign = s < 0 ? '-' : '';
  const a = Math.abs(Math.round(s));
  return `${sign}${Math.floor(a / 60)}:${String(a % 60).padStart(2, '0')}`;
};

export const escapeHtml = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
