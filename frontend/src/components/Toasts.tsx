import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

export type ToastKind = "info" | "success" | "warning" | "error";

export interface Toast {
  kind: ToastKind;
  text: string;
}

interface ShownToast extends Toast {
  id: number;
}

export interface ToastsValue {
  push(toast: Toast): void;
}

const ToastContext = createContext<ToastsValue | null>(null);

/** How long a toast stays (errors and warnings stay until dismissed). */
export const TOAST_MS = 8_000;
const MAX_TOASTS = 5;

/** App-wide toasts in one polite live region (`data-testid="toasts"`). */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<ShownToast[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    setToasts((all) => all.filter((t) => t.id !== id));
    const timer = timers.current.get(id);
    if (timer !== undefined) clearTimeout(timer);
    timers.current.delete(id);
  }, []);

  const push = useCallback(
    (toast: Toast) => {
      const id = nextId.current++;
      setToasts((all) => [...all, { ...toast, id }].slice(-MAX_TOASTS));
      if (toast.kind === "info" || toast.kind === "success") {
        timers.current.set(
          id,
          setTimeout(() => dismiss(id), TOAST_MS),
        );
      }
    },
    [dismiss],
  );

  useEffect(() => {
    const all = timers.current;
    return () => {
      for (const timer of all.values()) clearTimeout(timer);
      all.clear();
    };
  }, []);

  const value = useMemo(() => ({ push }), [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite" aria-label="Notifications" data-testid="toasts">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.kind}`}>
            <span className="toast-text">{toast.text}</span>
            <button type="button" className="toast-close" aria-label={`Dismiss: ${toast.text}`} onClick={() => dismiss(toast.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToasts(): ToastsValue {
  const value = useContext(ToastContext);
  if (value === null) throw new Error("useToasts() used outside <ToastProvider>");
  return value;
}
