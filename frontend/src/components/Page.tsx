import { useEffect, type ReactNode } from "react";

export interface PageProps {
  title: string;
  /** Buttons or links shown beside the heading. */
  actions?: ReactNode;
  children?: ReactNode;
}

/** A page: its h1 (focused on navigation by the layout), optional actions, then its content. */
export function Page({ title, actions, children }: PageProps) {
  useEffect(() => {
    document.title = `${title} · inplay`;
  }, [title]);
  return (
    <div className="page">
      <div className="page-head">
        <h1 tabIndex={-1} className="page-title">
          {title}
        </h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {children}
    </div>
  );
}

export default Page;
