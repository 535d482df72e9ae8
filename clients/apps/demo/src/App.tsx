import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { eq } from "@tanstack/db";
import { useLiveQuery } from "@tanstack/react-db";
import type { SyncStatus } from "@nizhal/client";
import { forgetLogin, logIn, openSession, storedLogin, type Login, type Session } from "./session";

const newId = () => crypto.randomUUID();

export function App() {
  const [login, setLogin] = useState<Login | undefined>(storedLogin);
  const session = useMemo(() => (login ? openSession(login) : undefined), [login]);
  useEffect(() => () => session?.close(), [session]);
  if (!login || !session) return <LoginPage onLogin={setLogin} />;
  return (
    <main>
      <header>
        <h1>Nizhal demo</h1>
        <span className="who" data-testid="user">
          {login.user}
        </span>
        <button
          onClick={() => {
            forgetLogin();
            setLogin(undefined);
          }}
        >
          Log out
        </button>
      </header>
      <StatusBar session={session} />
      <Notes session={session} />
      <Lists session={session} />
    </main>
  );
}

function LoginPage({ onLogin }: { onLogin: (login: Login) => void }) {
  const [error, setError] = useState<string>();
  const go = (user: string) => logIn(user).then(onLogin, (e: Error) => setError(e.message));
  return (
    <main className="login">
      <h1>Nizhal demo</h1>
      <p>Notes and shared lists that work offline and sync through your own PostgreSQL.</p>
      <p>
        <button onClick={() => go("alice")}>Log in as alice</button> <button onClick={() => go("bob")}>Log in as bob</button>
      </p>
      <p className="hint">This login exists only in the demo: it signs a development token for whoever asks.</p>
      {error && <p className="error">{error}</p>}
    </main>
  );
}

/**
 * The engine's status as an external store, like the live queries: the pending count renders in the same commit as
 * the notes a write changes (a plain state hook would render it a frame later).
 */
function useStatus(session: Session): SyncStatus {
  const latest = useRef<SyncStatus>(session.echo.status());
  const subscribe = useCallback(
    (changed: () => void) =>
      session.echo.onStatus((status) => {
        latest.current = status;
        changed();
      }),
    [session],
  );
  return useSyncExternalStore(subscribe, () => latest.current);
}

function useBrowserOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);
  return online;
}

function StatusBar({ session }: { session: Session }) {
  const status = useStatus(session);
  const browserOnline = useBrowserOnline();
  const online = browserOnline && status.online;
  return (
    <section className="status">
      <span className={online ? "badge online" : "badge offline"} data-testid="connection">
        {online ? "online" : "offline"}
      </span>
      <span className="badge" data-testid="realtime">
        {status.streaming ? "live" : "polling"}
      </span>
      <span className="badge" data-testid="pending">
        {status.pending} pending {status.pending === 1 ? "write" : "writes"}
      </span>
      {status.rejected.length > 0 && (
        <div className="rejected" data-testid="rejected">
          <h3>Refused by the server</h3>
          <ul>
            {status.rejected.map((r) => (
              <li key={`${r.clientId}:${r.id}`} data-testid="rejected-write">
                <strong>{r.name}</strong> {r.code}: {r.message}{" "}
                <button onClick={() => session.echo.dismissRejected(r.id, r.clientId)}>Dismiss</button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** How many notes the list shows, newest first. */
const SHOWN_NOTES = 200;

function Notes({ session }: { session: Session }) {
  // the newest only: a user with tens of thousands of notes (the bench makes them) still gets a page that answers
  const { data: notes, isReady } = useLiveQuery((q) =>
    q.from({ note: session.notes }).orderBy(({ note }) => note.updated_at, "desc").limit(SHOWN_NOTES),
  );
  const [body, setBody] = useState("");
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (!body.trim()) return;
    void session.echo.mutate.addNote({ id: newId(), body: body.trim() }).catch(() => undefined);
    setBody("");
  };
  return (
    <section>
      <h2>My notes</h2>
      <form onSubmit={add}>
        <input aria-label="New note" placeholder="Write a note" value={body} onChange={(e) => setBody(e.target.value)} />
        <button type="submit">Add</button>
      </form>
      {!isReady && <p className="hint">Loading…</p>}
      {notes.length === SHOWN_NOTES && <p className="hint">The newest {SHOWN_NOTES} notes.</p>}
      <ul data-testid="notes">
        {notes.map((note) => (
          <NoteItem key={note.id} session={session} id={note.id} body={note.body} />
        ))}
      </ul>
    </section>
  );
}

function NoteItem({ session, id, body }: { session: Session; id: string; body: string }) {
  const [editing, setEditing] = useState<string>();
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (editing !== undefined && editing.trim()) {
      void session.echo.mutate.editNote({ id, body: editing.trim() }).catch(() => undefined);
    }
    setEditing(undefined);
  };
  return (
    <li data-testid="note" data-note-id={id}>
      {editing === undefined ? (
        <>
          <span className="body">{body}</span>
          <button onClick={() => setEditing(body)}>Edit</button>
          <button onClick={() => void session.echo.mutate.deleteNote({ id }).catch(() => undefined)}>Delete</button>
        </>
      ) : (
        <form onSubmit={save}>
          <input aria-label="Edit note" value={editing} onChange={(e) => setEditing(e.target.value)} autoFocus />
          <button type="submit">Save</button>
        </form>
      )}
    </li>
  );
}

function Lists({ session }: { session: Session }) {
  const { data: lists } = useLiveQuery((q) => q.from({ list: session.lists }).orderBy(({ list }) => list.name, "asc"));
  const [name, setName] = useState("");
  const create = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    void session.echo.mutate.createList({ id: newId(), name: name.trim() }).catch(() => undefined);
    setName("");
  };
  return (
    <section>
      <h2>Shared lists</h2>
      <form onSubmit={create}>
        <input aria-label="New list" placeholder="New list" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Create</button>
      </form>
      <div data-testid="lists">
        {lists.map((list) => (
          <ListCard key={list.id} session={session} id={list.id} name={list.name} mine={list.owner_id === session.user} />
        ))}
      </div>
    </section>
  );
}

function ListCard({ session, id, name, mine }: { session: Session; id: string; name: string; mine: boolean }) {
  const { data: todos } = useLiveQuery(
    (q) =>
      q
        .from({ todo: session.todos })
        .where(({ todo }) => eq(todo.list_id, id))
        .orderBy(({ todo }) => todo.position, "asc"),
    [id],
  );
  const [title, setTitle] = useState("");
  const [member, setMember] = useState("");
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (!title.trim()) return;
    void session.echo.mutate.addTodo({ id: newId(), listId: id, title: title.trim() }).catch(() => undefined);
    setTitle("");
  };
  const share = (e: FormEvent) => {
    e.preventDefault();
    if (!member.trim()) return;
    void session.echo.mutate.addMember({ listId: id, userId: member.trim() }).catch(() => undefined);
    setMember("");
  };
  return (
    <article className="list" data-testid="list" data-list-id={id}>
      <h3>{name}</h3>
      <ul>
        {todos.map((todo) => (
          <li key={todo.id} data-testid="todo">
            <label>
              <input
                type="checkbox"
                checked={todo.done}
                onChange={(e) => void session.echo.mutate.toggleTodo({ id: todo.id, done: e.target.checked }).catch(() => undefined)}
              />
              {todo.title}
            </label>
          </li>
        ))}
      </ul>
      <form onSubmit={add}>
        <input aria-label="New todo" placeholder="Add a todo" value={title} onChange={(e) => setTitle(e.target.value)} />
        <button type="submit">Add</button>
      </form>
      {mine ? (
        <form onSubmit={share}>
          <input aria-label="Share with" placeholder="Share with (user id)" value={member} onChange={(e) => setMember(e.target.value)} />
          <button type="submit">Share</button>
        </form>
      ) : (
        <button onClick={() => void session.echo.mutate.removeMember({ listId: id, userId: session.user }).catch(() => undefined)}>
          Leave
        </button>
      )}
    </article>
  );
}
