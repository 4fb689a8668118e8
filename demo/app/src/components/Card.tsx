import type { ComponentChildren } from 'preact';

/** One numbered flow section of the page. */
export function Card(props: {
  id: string;
  index: number | string;
  title: string;
  scope?: string;
  children: ComponentChildren;
  description?: ComponentChildren;
}) {
  const headingId = `${props.id}-title`;
  return (
    <section class="card" aria-labelledby={headingId} data-testid={`flow-${props.id}`}>
      <header class="card-header">
        <span class="card-index" aria-hidden="true">
          {props.index}
        </span>
        <h2 id={headingId}>{props.title}</h2>
        {props.scope && <code class="scope-tag">{props.scope}</code>}
      </header>
      {props.description && <p class="card-lead">{props.description}</p>}
      {props.children}
    </section>
  );
}
