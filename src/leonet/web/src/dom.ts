// DOM building without HTML strings: every server string lands in a text node (textContent), so a zone or an
// organisation named `<img src=x onerror=…>` is shown as those characters and never parsed as markup.

type Child = Node | string | number | null | undefined | false;

/** An element with properties set as DOM properties (never as HTML) and children appended as nodes or text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === "number" ? String(c) : c);
  }
  return node;
}

/** Replace an element's children (strings become text nodes). */
export function fill(node: Element, ...children: Child[]): void {
  node.replaceChildren(...children.filter((c): c is Node | string | number => c !== null && c !== undefined
    && c !== false).map((c) => (typeof c === "number" ? String(c) : c)));
}

/** The element with this id, typed; a missing element is a programming error named in the message. */
export function byId<T extends HTMLElement = HTMLElement>(id: string, type?: { new (): T }): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`dashboard: no element #${id}`);
  if (type && !(node instanceof type)) throw new Error(`dashboard: #${id} is not a ${type.name}`);
  return node as T;
}

export const input = (id: string): HTMLInputElement => byId(id, HTMLInputElement);
export const select = (id: string): HTMLSelectElement => byId(id, HTMLSelectElement);
export const button = (id: string): HTMLButtonElement => byId(id, HTMLButtonElement);
export const textarea = (id: string): HTMLTextAreaElement => byId(id, HTMLTextAreaElement);
