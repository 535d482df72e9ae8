import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./styles.css";

if ("serviceWorker" in navigator) {
  // the app shell for offline reloads; the page works without it
  navigator.serviceWorker.register("/demo/sw.js", { scope: "/" }).catch((e) => console.warn("no offline shell:", e));
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
