/**
 * The CSP allows no inline styles (style-src 'self'). Libraries that inject CSS at run time (xterm.js
 * writes theme and cell-size rules into <style> elements) would be blocked, with a violation each
 * time (Chromium checks the CSP for every connected <style>, whatever its type). So a "style" element
 * created from script is born as an unknown <hostdeck-style> element instead (hidden by styles.css; it
 * never becomes a stylesheet), and its text is applied as a constructed stylesheet, which is not inline
 * markup and which the CSP permits. Elements from our own build are
 * <link>ed CSS files and are not affected. Likewise a `style` attribute set from script (xterm colours
 * cells with setAttribute('style', …)) is applied through the CSSOM (`element.style.cssText`), which the
 * CSP also permits, instead of as an inline attribute.
 */
const CARRIER = 'hostdeck-style';

export function installStyleAdoption(doc: Document = document): () => void {
  const sheets = new Map<Element, CSSStyleSheet>();
  const original = Document.prototype.createElement;
  const patched = function (this: Document, tagName: string, options?: ElementCreationOptions) {
    return original.call(this, tagName.toLowerCase() === 'style' ? CARRIER : tagName, options);
  };
  Document.prototype.createElement = patched as typeof Document.prototype.createElement;

  const originalSetAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (this: Element, name: string, value: string) {
    if (name.toLowerCase() === 'style' && 'style' in this) {
      (this as HTMLElement).style.cssText = String(value);
      return;
    }
    originalSetAttribute.call(this, name, value);
  };

  const sync = () => {
    doc.querySelectorAll(CARRIER).forEach((el) => {
      let sheet = sheets.get(el);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheets.set(el, sheet);
        doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
      }
      const text = el.textContent ?? '';
      if ((sheet as CSSStyleSheet & { _text?: string })._text !== text) {
        sheet.replaceSync(text);
        (sheet as CSSStyleSheet & { _text?: string })._text = text;
      }
    });
    for (const [el, sheet] of sheets) {
      if (!el.isConnected) {
        doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== sheet);
        sheets.delete(el);
      }
    }
  };
  const observer = new MutationObserver(sync);
  observer.observe(doc.documentElement, { subtree: true, childList: true, characterData: true });
  return () => {
    observer.disconnect();
    Document.prototype.createElement = original;
    Element.prototype.setAttribute = originalSetAttribute;
  };
}
