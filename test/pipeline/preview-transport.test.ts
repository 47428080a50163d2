import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { previewTransport } from '../../src/pipeline/preview-transport';
import { SAMPLE_RECIPIENT } from '../../src/preview/write';
import { messageIdFor, unsubscribeLinks } from '../../src/render/envelope';
import { fillMessage } from '../../src/render/post';
import { exampleSettings, READER, renderWith, welcomePost } from '../templates/example';

jest.setTimeout(60_000);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-preview-transport-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const OTHER = { email: 'max@example.net', key: 'max@example.net', name: 'Max', smtputf8: false };

describe('the dry run\'s preview transport', () => {
  test('writes the first due recipient\'s message, its HTML and its text into the post\'s preview folder, and nothing else', async () => {
    const settings = exampleSettings();
    const post = welcomePost(settings);
    const { rendered, sender } = await renderWith(settings, post);
    const files = await previewTransport(dir, sender).send({ post, rendered }, [READER, OTHER]);

    expect(fs.readdirSync(dir)).toEqual([path.basename(files.dir)]);
    expect(fs.readdirSync(files.dir).sort()).toEqual(['email.html', 'email.txt', 'message.eml']);
    const filled = fillMessage(rendered, { name: READER.name, email: READER.email, unsubscribe_url: unsubscribeLinks(sender, READER).visible });
    expect(fs.readFileSync(files.html, 'utf8')).toBe(filled.html);
    expect(fs.readFileSync(path.join(files.dir, 'email.txt'), 'utf8')).toBe(filled.text);
    const mail = await simpleParser(fs.readFileSync(files.eml));
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([READER.email]);
    expect(mail.subject).toBe(filled.subject);
    // the very message a send would hand to SMTP for this recipient, Message-ID included
    expect(mail.messageId).toBe(messageIdFor(sender, post.id, READER.key));
  });

  test('with nobody due, the preview is addressed to a sample reader', async () => {
    const settings = exampleSettings();
    const post = welcomePost(settings);
    const { rendered, sender } = await renderWith(settings, post);
    const files = await previewTransport(dir, sender).send({ post, rendered }, []);
    const mail = await simpleParser(fs.readFileSync(files.eml));
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([SAMPLE_RECIPIENT.email]);
    expect(fs.readFileSync(files.html, 'utf8')).toContain(SAMPLE_RECIPIENT.name);
  });
});
