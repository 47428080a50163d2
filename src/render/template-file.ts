import fs from 'node:fs';
import path from 'node:path';
import type { Post } from '../discover/posts';
import { isTemplateName } from '../discover/fields';
import { ErrorCode, HeraldError } from '../errors';
import type { RenderSettings } from './settings';

/** Where templates are found, and the folder their names in messages are relative to. */
export type TemplateFolder = Pick<RenderSettings, 'root' | 'templatesDir'>;

/** A template as read from templates/: its name for messages, its path, and its text. */
export interface TemplateFile {
  readonly file: string;
  readonly absPath: string;
  readonly source: string;
}

export function templatePath(settings: Pick<TemplateFolder, 'templatesDir'>, name: string, forPost?: Post): string {
  if (!isTemplateName(name)) {
    throw new HeraldError(ErrorCode.ETEMPLATE, `"${name}" is not a template name`, {
      ...(forPost ? { location: { file: forPost.file } } : {}),
      hint: 'Name a file in templates/ without its extension, e.g. template: minimal.',
    });
  }
  return path.join(settings.templatesDir, name.endsWith('.mjml') ? name : `${name}.mjml`);
}

/**
 * The templates shipped with herald: default.mjml, used by a folder that has no templates/ of its
 * own, and digest.mjml, used for digests by a folder whose templates/ has no digest.mjml.
 */
export const BUILT_IN_TEMPLATES = path.resolve(__dirname, '../../templates');

export function readTemplate(settings: TemplateFolder, name: string, forPost?: Post): TemplateFile {
  const abs = templatePath(settings, name, forPost);
  const file = path.relative(settings.root, abs).split(path.sep).join('/');
  try {
    return { file, absPath: abs, source: fs.readFileSync(abs, 'utf8').replace(/^\uFEFF/, '') };
  } catch {
    const builtIn = path.join(BUILT_IN_TEMPLATES, `${name}.mjml`);
    if (((name === 'default' && !fs.existsSync(settings.templatesDir)) || (name === 'digest' && forPost?.digest)) && fs.existsSync(builtIn)) {
      return { file: `built-in ${name} template`, absPath: builtIn, source: fs.readFileSync(builtIn, 'utf8') };
    }
    throw new HeraldError(ErrorCode.ETEMPLATE, `template "${name}" does not exist (${file})`, {
      location: forPost ? { file: forPost.file } : { file },
      hint: `Create ${file}, or change the post's template.`,
    });
  }
}
