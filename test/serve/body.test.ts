/** Form bodies as mail providers send them for RFC 8058 one-click: urlencoded or multipart. */
import { isOneClick, parseForm } from '../../src/serve/body';

const multipart = (boundary: string, parts: string[], eol = '\r\n'): Buffer =>
  Buffer.from(parts.map((p) => `--${boundary}${eol}${p}${eol}`).join('') + `--${boundary}--${eol}`, 'utf8');

test('urlencoded, also without a content type; the first of a repeated field wins', () => {
  expect([...parseForm('application/x-www-form-urlencoded', Buffer.from('List-Unsubscribe=One-Click&a=1&a=2'))]).toEqual([['List-Unsubscribe', 'One-Click'], ['a', '1']]);
  expect(isOneClick(parseForm(undefined, Buffer.from('List-Unsubscribe=One-Click')))).toBe(true);
  expect(isOneClick(parseForm('text/plain', Buffer.from('list-unsubscribe=one-click')))).toBe(true);
  expect(isOneClick(parseForm(undefined, Buffer.from('List-Unsubscribe=One-Click-Please')))).toBe(false);
  expect(isOneClick(parseForm(undefined, Buffer.from('')))).toBe(false);
});

test('multipart/form-data: CRLF or LF, quoted boundary, UTF-8 values, files ignored', () => {
  const body = multipart('----x7', [
    'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click',
    'Content-Disposition: form-data; name="note"\r\n\r\nZoë, line one\r\nline two',
    'Content-Disposition: form-data; name="upload"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nfile content',
  ]);
  const fields = parseForm('multipart/form-data; boundary="----x7"', body);
  expect([...fields]).toEqual([['List-Unsubscribe', 'One-Click'], ['note', 'Zoë, line one\r\nline two']]);
  expect(isOneClick(fields)).toBe(true);
  const lf = multipart('b', ['Content-Disposition: form-data; name=List-Unsubscribe\n\nOne-Click'], '\n');
  expect(isOneClick(parseForm('multipart/form-data; boundary=b', lf))).toBe(true);
  expect([...parseForm('multipart/form-data', body)]).toEqual([]);
});
