/**
 * Tabs of one browser profile share one storage per server and actor. One tab leads: it drains the outbox, pulls
 * and holds the stream; the others write to the shared outbox and read what the leader stored, told by messages.
 */
export interface Leadership {
  isLeader(): boolean;
  onChange(listener: (leader: boolean) => void): void;
  close(): void;
}

export type TabMessage = { type: "outbox" } | { type: "rule"; rule: string } | { type: "rules" };

export interface TabChannel {
  post(message: TabMessage): void;
  onMessage(listener: (message: TabMessage) => void): void;
  close(): void;
}

/** One tab only (Node, tests): always the leader. */
export function alwaysLeader(): Leadership {
  return { isLeader: () => true, onChange: () => undefined, close: () => undefined };
}

export function noChannel(): TabChannel {
  return { post: () => undefined, onMessage: () => undefined, close: () => undefined };
}

/**
 * Leadership by a Web Lock named `name`: the tab that holds it leads until it closes; then the browser gives the lock
 * to the next tab waiting for it. Without Web Locks (an old browser), every tab leads.
 */
export function webLockLeadership(name: string): Leadership {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return alwaysLeader();
  let leader = false;
  const listeners: Array<(leader: boolean) => void> = [];
  let release: (() => void) | undefined;
  const abort = new AbortController();
  locks
    .request(name, { signal: abort.signal }, () => {
      leader = true;
      listeners.forEach((l) => l(true));
      return new Promise<void>((resolve) => (release = resolve));
    })
    .catch(() => undefined); // aborted on close
  return {
    isLeader: () => leader,
    onChange: (listener) => listeners.push(listener),
    close: () => {
      leader = false;
      abort.abort();
      release?.();
    },
  };
}

/** Messages between the tabs of one origin over a BroadcastChannel named `name`. */
export function broadcastChannel(name: string): TabChannel {
  if (typeof BroadcastChannel === "undefined") return noChannel();
  const channel = new BroadcastChannel(name);
  return {
    post: (message) => channel.postMessage(message),
    onMessage: (listener) => channel.addEventListener("message", (e) => listener((e as MessageEvent<TabMessage>).data)),
    close: () => channel.close(),
  };
}
