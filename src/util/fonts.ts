/**
 * The DejaVu Sans font (npm `dejavu-fonts-ttf`), registered with @napi-rs/canvas under a private
 * alias, for everything this project draws text on: report charts and dataset contact sheets.
 * Bundled font files make text legible and identical on machines with no system fonts, in every
 * script DejaVu covers (Latin with accents, Greek, Cyrillic, Arabic, Hebrew, …; not CJK, whose
 * characters print as empty boxes unless Skia finds a system font that has them).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GlobalFonts } from '@napi-rs/canvas';

export const FONT_FAMILY = 'clip-bench DejaVu Sans';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

let registered = false;
/** Register the font once per process; throws if a font file is missing. */
export function registerFonts(): void {
  if (registered) return;
  const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  for (const file of FONT_FILES) {
    if (!GlobalFonts.registerFromPath(join(fontDir, file), FONT_FAMILY)) throw new Error(`could not register font ${join(fontDir, file)}`);
  }
  registered = true;
}

/** CSS font shorthand in the registered family. */
export const font = (px: number, bold = false) => `${bold ? 'bold ' : ''}${px}px "${FONT_FAMILY}"`;
