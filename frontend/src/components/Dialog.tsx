import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode, type RefObject } from "react";
import { createPortal } from "react-dom";

export interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  /** Buttons at the bottom (the confirm / cancel pair). */
  footer?: ReactNode;
  children?: ReactNode;
  /** "danger" gives the title bar the LIVE red. */
  tone?: "default" | "danger";
  /** Where focus goes on open (default: the first focusable element inside). */
  initialFocus?: RefObject<HTMLElement | null>;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => !el.closest("[inert]"));
}

/**
 * A modal dialog: `role="dialog"`, `aria-modal`, labelled by its title, focus trapped inside,
 * Escape (or the backdrop) closes, the rest of the page is inert, focus returns to the opener.
 */
export function Dialog({ open, title, onClose, footer, children, tone = "default", initialFocus }: DialogProps) {
  const titleId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    if (!open) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = panel.current?.closest<HTMLElement>(".dialog-layer") ?? null;
    const made: HTMLElement[] = [];
    for (const el of Array.from(document.body.children)) {
      if (el instanceof HTMLElement && el !== root && !el.hasAttribute("inert")) {
        // inert stops focus and clicks; aria-hidden hides it from assistive tech that ignores inert.
        el.setAttribute("inert", "");
        el.setAttribute("aria-hidden", "true");
        made.push(el);
      }
    }
    const target = initialFocus?.current ?? (panel.current ? focusables(panel.current)[0] : undefined) ?? panel.current;
    target?.focus();
    return () => {
      for (const el of made) {
        el.removeAttribute("inert");
        el.removeAttribute("aria-hidden");
      }
      if (opener?.isConnected) opener.focus();
    };
    // Only on open/close: re-running would steal focus back to the first control.
  }, [open]);

  if (!open) return null;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onCloseRef.current();
      return;
    }
    if (event.key !== "Tab" || !panel.current) return;
    const items = focusables(panel.current);
    if (items.length === 0) {
      event.preventDefault();
      panel.current.focus();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === panel.current)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div className="dialog-layer">
      <div className="dialog-backdrop" aria-hidden="true" onClick={() => onCloseRef.current()} />
      <div
        ref={panel}
        className={`dialog dialog-${tone}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        <div className="dialog-body">
          {children}
        </div>
        {footer ? <div className="dialog-footer">{footer}</div> : null}
      </div>
    </div>,
    document.body,
  );
}

export default Dialog;

/** The footer of a confirm dialog: "Cancel" (the focus target, `cancelRef`) and the confirm button;
 * both are disabled while the request runs (`busy`), the confirm button also while `disabled`. */
export function ConfirmFooter({
  cancelRef,
  onCancel,
  onConfirm,
  busy,
  disabled = false,
  className,
  label,
  busyLabel,
}: {
  cancelRef: RefObject<HTMLButtonElement | null>;
  onCancel: () => void;
  onConfirm: () => void;
  busy: boolean;
  disabled?: boolean;
  className: string;
  label: string;
  busyLabel: string;
}) {
  return (
    <>
      <button type="button" ref={cancelRef} onClick={onCancel} disabled={busy}>
        Cancel
      </button>
      <button type="button" className={className} onClick={onConfirm} disabled={disabled || busy}>
        {busy ? busyLabel : label}
      </button>
    </>
  );
}
