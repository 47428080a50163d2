/**
 * The settings rendering reads, and nothing else: render never sees the SMTP URL, the secrets or
 * the rest of Settings, and only these cross into the render thread. Settings satisfies it, so a
 * caller holding the whole Settings may pass it; renderSettings copies these fields out at the edge.
 */
export interface RenderSettings {
  /** The project folder, against which template files are named in messages. */
  readonly root: string;
  readonly templatesDir: string;
  /** herald.config.json's path; its name labels the "subject" setting in messages. */
  readonly configPath: string;
  readonly name: string;
  readonly siteUrl: string;
  readonly subject: string;
  /** The template of a post that names none. */
  readonly template: string;
  readonly postUrl: string;
  readonly postalAddress?: string;
  readonly logoUrl?: string;
  readonly renderTimeoutSeconds: number;
  /** herald serve has a preferences page (there is an https unsubscribe URL): the footer may link to it. */
  readonly preferencesPage?: boolean;
  /** Where the footer must start, in bytes of HTML; longer posts are cut (0: never). Default FOOTER_WITHIN_BYTES. */
  readonly footerWithinBytes?: number;
}

/** Exactly the fields of RenderSettings, copied out of anything that has them (the whole Settings). */
export function renderSettings(settings: RenderSettings & { readonly unsubscribe?: { readonly url?: string } }): RenderSettings {
  return {
    root: settings.root,
    templatesDir: settings.templatesDir,
    configPath: settings.configPath,
    name: settings.name,
    siteUrl: settings.siteUrl,
    subject: settings.subject,
    template: settings.template,
    postUrl: settings.postUrl,
    postalAddress: settings.postalAddress,
    logoUrl: settings.logoUrl,
    renderTimeoutSeconds: settings.renderTimeoutSeconds,
    preferencesPage: settings.preferencesPage ?? Boolean(settings.unsubscribe?.url),
    footerWithinBytes: settings.footerWithinBytes,
  };
}
