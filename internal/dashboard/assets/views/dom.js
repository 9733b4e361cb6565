// Small DOM helpers the views share (not a view: the shell never lists it).

// el makes an element with attributes and, when text is given, its text
// (as textContent: never parsed as HTML).
export function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text != null) node.textContent = text;
  return node;
}

// injectStyle adds a view's stylesheet to the page once, however often the
// view renders (the CSP allows inline styles for this).
export function injectStyle(viewID, css) {
  const id = `cg-style-${viewID}`;
  if (document.getElementById(id)) return;
  const style = document.createElement('style');
  style.id = id;
  style.textContent = css;
  document.head.appendChild(style);
}
