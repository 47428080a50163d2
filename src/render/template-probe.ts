import { ErrorCode, type Problem, problem } from '../errors';
import { compileMjml } from './mjml';
import { unsubscribeMarkers } from './post';
import { neutralValues } from './post-values';
import type { RenderSettings } from './settings';
import { prepareTemplate } from './template';
import type { TemplateFile } from './template-file';
import { contentMarkers, describeFaults, verifyEmail } from './verify';

/**
 * How `herald check` proves a template before a post meets it: a probe post is rendered with
 * every optional value set, then with none (so a section around {{{ content }}} or the unsubscribe
 * link shows either way), and each compiled email is verified as a send verifies it.
 */
export async function probeTemplate(template: TemplateFile, settings: Pick<RenderSettings, 'name' | 'siteUrl' | 'logoUrl'>): Promise<Problem[]> {
  const full = neutralValues(settings);
  const probes = [
    { subject: 'a post', values: { ...full, logo_url: full.logo_url || new URL('logo.png', settings.siteUrl).href } },
    { subject: 'a post without a summary, date, postal address or logo', values: { ...full, summary: '', date: '', date_iso: '', postal_address: '', logo_url: '' } },
  ];
  for (const probe of probes) {
    const markers = contentMarkers();
    const prepared = prepareTemplate(template.source, template.file, { ...probe.values, content: `${markers.start}<p>Text</p>${markers.end}` });
    const compiled = await compileMjml(prepared.source, template.file, template.absPath);
    if (compiled.problems.length) {
      return compiled.problems.map((p) => problem(ErrorCode.ETEMPLATE, `MJML: ${p.message}`, { file: template.file, line: p.line }));
    }
    const faults = verifyEmail(compiled.html, markers, unsubscribeMarkers(prepared));
    if (faults.length) {
      const report = describeFaults(faults, template.source, probe.subject);
      return [problem(ErrorCode.ETEMPLATE, report.message, { file: template.file, line: report.line }, `${report.hint} Posts that use this template are not sent until then.`)];
    }
  }
  return [];
}
