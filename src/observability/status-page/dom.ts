/**
 * Elements built from data: every value reaches the DOM as a text node or an attribute,
 * never as markup.
 */

/** An attribute left out when null, undefined or false. */
export type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue>;
export type Child = Node | string | number | null | undefined;

const SVGNS = 'http://www.w3.org/2000/svg';

function fill<E extends Element>(e: E, attrs: Attrs | undefined, children: readonly Child[]): E {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** An HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  return fill(document.createElementNS(SVGNS, tag), attrs, children);
}

/** The page's element with this id, of this kind; a page without it is a bug worth failing on. */
export function byId<T extends HTMLElement>(id: string, kind: { new (): T; prototype: T }): T {
  const e = document.getElementById(id);
  if (!(e instanceof kind)) throw new Error(`status page: no ${kind.name} #${id}`);
  return e;
}
