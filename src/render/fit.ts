import { type Problem, ErrorCode, warning } from '../errors';

/**
 * A post's images made to fit the template's column. Outlook for Windows ignores `max-width`, so
 * an image is as wide as its `width` attribute says or, without one, as the file is: every image
 * gets a `width` (the post's own when it fits, else the column's), and one written wider than the
 * column is narrowed to it, its height scaled to match, with a warning naming the post. The
 * image's style keeps it fluid below that width (the sanitiser has removed any style of the post's).
 */
export function fitImages(html: string, columnWidth: number, file: string): { html: string; warnings: Problem[] } {
  const wide: string[] = [];
  const fitted = html.replace(/<img\b[^>]*>/gi, (tag) => {
    const width = pixels(attribute(tag, 'width'));
    const height = pixels(attribute(tag, 'height'));
    let out = withoutAttribute(withoutAttribute(tag, 'width'), 'height');
    let w = width ?? columnWidth;
    let h = height;
    if (width !== undefined && width > columnWidth) {
      wide.push(`${attribute(tag, 'src') ?? 'an image'} (${width} px)`);
      w = columnWidth;
      h = height === undefined ? undefined : Math.max(1, Math.round((height * columnWidth) / width));
    }
    // fluid up to its own width: a fixed width would hold a phone's column open at the image's width
    out = out.replace(/^<img\b/i, `<img width="${w}"${h === undefined ? '' : ` height="${h}"`} style="width:100%;max-width:${w}px;"`);
    return out;
  });
  const warnings = wide.length
    ? [warning(ErrorCode.EPOST, `${wide.length === 1 ? 'an image is' : `${wide.length} images are`} wider than the template's ${columnWidth} px column: ${wide.join(', ')}; shown ${columnWidth} px wide`,
      { file }, `Give the image width="${columnWidth}" or less (or none: herald then uses the column's width).`)]
    : [];
  return { html: fitted, warnings };
}

/**
 * Each table in a box that scrolls sideways: one with more columns than a phone has room for
 * scrolls on its own instead of widening the whole email. (Width 0 and min-width 100%: the box
 * takes the column's width without asking the layout around it for the table's.)
 */
export function scrollingTables(html: string): string {
  return html.replace(/<table\b/gi, '<div style="overflow-x:auto;width:0;min-width:100%;"><table').replace(/<\/table>/gi, '</table></div>');
}

/** A whole number of pixels, as HTML's width and height attributes allow ("600", "600px" read kindly); else undefined. */
function pixels(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$/i.exec(value);
  if (!m) return undefined;
  const n = Math.round(Number(m[1]));
  return n > 0 ? n : undefined;
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function withoutAttribute(tag: string, name: string): string {
  return tag.replace(new RegExp(`\\s${name}\\s*=\\s*(?:"[^"]*"|'[^']*'|[^\\s>]+)`, 'gi'), '');
}

/**
 * The width of the column the post's content is shown in, read from the template: the body's
 * width (MJML's default 600 px) less the horizontal padding of the section, the column and the
 * <mj-text> around {{{ content }}}, each from the tag itself, else from <mj-attributes>, else
 * MJML's default. Close enough for the width attribute of an image, which CSS then keeps fluid.
 */
export function columnWidth(template: string): number {
  const source = template.replace(/<!--[\s\S]*?-->/g, '');
  const at = source.search(/\{\{\{\s*content\s*\}\}\}/);
  const body = px(attr(openTag(source, 'mj-body'), 'width')) ?? 600;
  if (at < 0) return body;
  const before = source.slice(0, at);
  const defaults = source.slice(0, Math.max(0, source.indexOf('</mj-attributes>')));
  const sides = (tag: string, fallback: string): number => {
    const own = lastOpenTag(before, tag);
    const preset = openTag(defaults, tag);
    const all = openTag(defaults, 'mj-all');
    for (const t of [own, preset, all]) {
      const left = px(attr(t, 'padding-left'));
      const right = px(attr(t, 'padding-right'));
      const padding = attr(t, 'padding');
      if (padding !== undefined || left !== undefined || right !== undefined) {
        const [, r, , l] = box(padding ?? '0');
        return (left ?? l) + (right ?? r);
      }
    }
    const [, r, , l] = box(fallback);
    return l + r;
  };
  const width = body - sides('mj-section', '20px 0') - sides('mj-column', '0') - sides('mj-text', '10px 25px');
  return Math.max(100, Math.round(width));
}

function openTag(source: string, name: string): string | undefined {
  return new RegExp(`<${name}\\b[^>]*>`, 'i').exec(source)?.[0];
}

function lastOpenTag(source: string, name: string): string | undefined {
  const all = source.match(new RegExp(`<${name}\\b[^>]*>`, 'gi'));
  return all?.[all.length - 1];
}

function attr(tag: string | undefined, name: string): string | undefined {
  return tag === undefined ? undefined : attribute(tag, name);
}

function px(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^\s*(\d+(?:\.\d+)?)(?:px)?\s*$/i.exec(value);
  return m ? Number(m[1]) : undefined;
}

/** CSS shorthand padding → [top, right, bottom, left] in px (non-px parts count as 0). */
function box(value: string): [number, number, number, number] {
  const v = value.trim().split(/\s+/).map((p) => px(p) ?? 0);
  const [t = 0, r = t, b = t, l = r] = v;
  return [t, r, b, l];
}
