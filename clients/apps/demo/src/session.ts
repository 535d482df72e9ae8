import { createCollection } from "@tanstack/db";
import { createNizhalClient, nizhalCollectionOptions, type NizhalClient } from "@nizhal/db-collection";
import type { EffectTx } from "@nizhal/client";

export type Note = { id: string; body: string; owner_id: string; updated_at: string };
export type List = { id: string; name: string; owner_id: string };
export type Todo = { id: string; list_id: string; title: string; done: boolean; position: number };

/** The demo server's mutators and their args (what `nizhal-codegen` would write from /nizhal/contract). */
export type DemoMutators = {
  addNote: { id?: string; body: string };
  editNote: { id: string; body: string };
  deleteNote: { id: string };
  createList: { id?: string; name: string };
  addMember: { listId: string; userId: string };
  removeMember: { listId: string; userId: string };
  addTodo: { id?: string; listId: string; title: string };
  toggleTodo: { id: string; done: boolean };
};

export interface Login {
  user: string;
  token: string;
}

const SESSION_KEY = "nizhal-demo-session";

export function storedLogin(): Login | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null") as Login | null;
    return value && typeof value.user === "string" && typeof value.token === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The demo's development login (only the demo has it): a 12-hour token for alice or bob. */
export async function logIn(user: string): Promise<Login> {
  const response = await fetch("/demo/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user }),
  });
  const body = (await response.json()) as { token?: string; error?: { message: string } };
  if (!response.ok || !body.token) throw new Error(body.error?.message ?? `login failed (${response.status})`);
  const login = { user, token: body.token };
  localStorage.setItem(SESSION_KEY, JSON.stringify(login));
  return login;
}

export function forgetLogin(): void {
  localStorage.removeItem(SESSION_KEY);
}

/**
 * The optimistic effect of each mutator, over the collections: the same name and args as the server's mutator, so
 * a write shows at once (also offline) and is replaced by the server's row when confirmed.
 */
function mutators(user: string) {
  return {
    addNote: (tx: EffectTx, a: DemoMutators["addNote"]) =>
      tx.put("notes", { id: a.id, body: a.body, owner_id: user, updated_at: new Date().toISOString() }),
    editNote: (tx: EffectTx, a: DemoMutators["editNote"]) => {
      const note = tx.get("notes", a.id);
      if (note) tx.put("notes", { ...note, body: a.body, updated_at: new Date().toISOString() });
    },
    deleteNote: (tx: EffectTx, a: DemoMutators["deleteNote"]) => tx.delete("notes", a.id),
    createList: (tx: EffectTx, a: DemoMutators["createList"]) =>
      tx.put("lists", { id: a.id, name: a.name, owner_id: user }),
    removeMember: (tx: EffectTx, a: DemoMutators["removeMember"]) => {
      if (a.userId !== user) return;
      tx.delete("lists", a.listId); // leaving a list: its rows go
      for (const todo of tx.list("todos")) if (todo["list_id"] === a.listId) tx.delete("todos", String(todo["id"]));
    },
    addTodo: (tx: EffectTx, a: DemoMutators["addTodo"]) => {
      const last = Math.max(0, ...tx.list("todos").filter((t) => t["list_id"] === a.listId).map((t) => Number(t["position"])));
      tx.put("todos", { id: a.id, list_id: a.listId, title: a.title, done: false, position: last + 1 });
    },
    toggleTodo: (tx: EffectTx, a: DemoMutators["toggleTodo"]) => {
      const todo = tx.get("todos", a.id);
      if (todo) tx.put("todos", { ...todo, done: a.done });
    },
  };
}

export type Session = ReturnType<typeof openSession>;

/** One user's client and collections; local state is kept per server and user. */
export function openSession(login: Login) {
  let token = login.token;
  const echo: NizhalClient<DemoMutators> = createNizhalClient<DemoMutators>({
    server: window.location.origin,
    user: login.user,
    auth: {
      getHeaders: () => ({ Authorization: `Bearer ${token}` }),
      // the demo's tokens last 12 hours: get a fresh one from the demo login when the server refuses the old one
      onUnauthenticated: async () => {
        token = (await logIn(login.user)).token;
      },
    },
    mutators: mutators(login.user),
  });
  const notes = createCollection(nizhalCollectionOptions<Note, DemoMutators>({ name: "notes", syncRule: "myNotes", echo }));
  const lists = createCollection(nizhalCollectionOptions<List, DemoMutators>({ name: "lists", syncRule: "sharedLists", echo }));
  const todos = createCollection(nizhalCollectionOptions<Todo, DemoMutators>({ name: "todos", syncRule: "sharedLists", echo }));
  (window as unknown as { nizhal?: unknown }).nizhal = { echo, notes, lists, todos }; // for the console and the tests
  return {
    user: login.user,
    echo,
    notes,
    lists,
    todos,
    close: () => {
      echo.close();
      void notes.cleanup();
      void lists.cleanup();
      void todos.cleanup();
    },
  };
}
