import * as signalR from '@microsoft/signalr';

/** Keeps retrying forever: a control room or a patrol car must come back on its own. */
const retry = { nextRetryDelayInMilliseconds: (ctx) => Math.min(5000, 250 * 2 ** Math.min(ctx.previousRetryCount, 5)) };

const signInPage = () => { location.href = `/signin?ReturnUrl=${encodeURIComponent(location.pathname + location.search)}`; };

/**
 * Who is signed in (GET /api/auth/me), with a sign-out button in the header (`beforeSignOut`, when given, runs first
 * and may refuse by returning false); without a session, the sign-in page.
 * While the person uses the page (pointer, keys), the session is kept alive at most once a minute, so only a page
 * nobody touches for the idle timeout is signed out (the server ends its hub connection then).
 */
export async function session({ beforeSignOut } = {}) {
  const response = await fetch('/api/auth/me', { credentials: 'same-origin' });
  if (response.status === 401) { signInPage(); return new Promise(() => {}); }
  const me = await response.json();
  const header = document.querySelector('header');
  const who = document.createElement('span');
  who.id = 'who'; who.textContent = me.name;
  const out = document.createElement('button');
  out.id = 'sign-out'; out.dataset.i18n = 'signOut'; out.textContent = 'Sign out';
  out.addEventListener('click', async () => {
    // The page may need to finish first (a terminal signs off its unit) or refuse (buttons still queued).
    if (beforeSignOut && !(await beforeSignOut())) return;
    await fetch('/api/auth/signout', { method: 'POST', credentials: 'same-origin' });
    location.href = '/signin';
  });
  header?.append(who, out);
  let lastKeptAlive = Date.now();
  const keepAlive = () => {
    if (Date.now() - lastKeptAlive < 60000) return;
    lastKeptAlive = Date.now();
    fetch('/api/auth/me', { credentials: 'same-origin' }).then((r) => { if (r.status === 401) signInPage(); }).catch(() => {});
  };
  ['pointerdown', 'keydown'].forEach((e) => document.addEventListener(e, keepAlive, { passive: true }));
  return me;
}

/** A refusal of the server (it answered, and said no), as opposed to a lost connection. */
export const isRefusal = (e) => /HubException|unauthorized/i.test(String(e?.message ?? e));

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

  // The server said no (an unknown unit, a unit another terminal holds): when `onRefused` takes it (returns true), the
  // connection stops instead of retrying, since trying again would only be refused again.
  const refused = (e) => isRefusal(e) && onRefused?.(String(e?.message ?? e).replace(/^.*HubException: /, '')) === true;

  connection.onreconnecting(() => onState('reconnecting'));
  connection.onreconnected(() => sync().catch((e) => { if (refused(e)) stop(); else console.error(e); }));
  connection.onclose(() => { onState('disconnected'); if (!stopped) setTimeout(start, 2000); });

  async function start() {
    if (stopped) return;
    try {
      if (connection.state === signalR.HubConnectionState.Disconnected) await connection.start();
    } catch (e) {
      onState('disconnected');
      // Refused at connect: the session ended (idle timeout, sign-out elsewhere).
      const me = await fetch('/api/auth/me', { credentials: 'same-origin' }).catch(() => null);
      if (me?.status === 401) { signInPage(); return; }
      if (!stopped) setTimeout(start, 2000);
      return;
    }
    try {
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
