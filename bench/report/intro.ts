/**
 * The explanatory part of BENCHMARKS.md: how to run the bench and what each figure means. Written
 * above the results on every run (and alone with --rewrite-intro); keep it true to measure/.
 */
export const INTRO = `# herald benchmarks

\`npm run bench\` (or \`node bench/run.js\` after \`npm run build\`) measures herald's send path
against the physical limit of the machine it runs on, in one run. It is not part of the tests. The
bench is TypeScript (\`bench/\`, one file per measurement); both commands compile it to
\`dist-bench/\` first, and \`npm test\` type-checks it with herald.

\`\`\`sh
npm run bench                              # 10,000 subscribers, 8 SMTP sessions
npm run bench -- --subscribers 100000      # the 100,000-subscriber memory target
npm run bench -- --cpu-prof                # also: where herald's CPU goes
npm run bench -- --commit HEAD             # a clean build of a commit, not the working tree
npm run bench:html                         # only the size of the HTML: a few seconds, no SMTP tools
node bench/run.js --help                   # every option
\`\`\`

The bench exits 0 when every measurement ran and was verified, whatever the targets say; it
exits 1 when a measurement failed or could not be verified (the report says which), 2 on a
usage or setup error.

Its send phases need Postfix's \`smtp-sink\` and \`smtp-source\` (Debian package \`postfix\`) and GNU \`time\`;
when they are missing and it runs as root it installs them with apt-get, and stops any Postfix
mail daemon that the install started. It starts its own \`smtp-sink\` on 127.0.0.1 (a free port)
and stops it at the end, also on an error, a timeout or Ctrl-C; the temporary folders go too
(\`--keep\` keeps them).

## What is measured

One \`smtp-sink -c\` on 127.0.0.1 receives everything and counts the messages; every figure
below is checked against its counter. The counter goes to a file that the bench reads between
phases, so while a program is measured the bench itself is idle (read from a pipe as it came, the
counter woke the bench once per message, a third busy process on the two CPUs the program and the
sink share: herald's send rate was about 4% lower that way, its CPU per message the same).

- **Message.** A deterministic, realistic ~10 KB markdown post (headings, paragraphs with links
  and emphasis, a list, a table, a fenced code block, a quote, an image) goes through herald's
  default template. The message herald builds for the first subscriber (headers, plain-text and
  HTML parts) is written to a file, and \`smtp-source -F\` sends exactly those bytes, so the
  ceiling moves the same message size as herald. The baseline sends the same content.
- **Subscribers.** \`subscribers/list.csv\`: N unique addresses at reserved example domains
  (example.com, example.net, example.org and subdomains), with names, a few non-ASCII.
- **Ceiling: \`smtp-source -d -s S -m N -F message\`.** Postfix's C load generator: S sessions
  in parallel, each keeping its connection (\`-d\`), no pipelining.
- **Baseline: a nodemailer loop** (\`bench/child/naive.ts\`): \`createTransport({ pool: true,
  maxConnections: S })\` and one \`sendMail()\` per subscriber, at most 2 × S in flight; html and
  text from herald's own \`renderPost\` + \`fillMessage\`, the same List-Id/List-Unsubscribe
  headers; no record. It shows what herald's record and pool cost on top of plain nodemailer.
- **herald: \`node dist/cli.js send --root DIR\`** with \`HERALD_SMTP_URL=smtp://127.0.0.1:PORT\`,
  \`HERALD_SECRET=bench\`, \`smtp.connections = S\` and every other setting at its default
  (including \`maxMessagesPerConnection: 100\`, like nodemailer's pool). A first run records an
  existing post as the baseline, then a new post is added, previewed with \`herald send
  --dry-run\` as an author would, and sent to everyone: that run is measured, with its SQLite
  record (WAL, \`synchronous = FULL\`) in the temporary folder. Delivery is verified twice: the
  sink's counter and \`herald status --json\` must both say N. herald keeps V8's compiled code
  between runs (its code cache, in the bench's temporary folder here), so on a machine that has
  run it before, a send does not compile MJML and the rest again; the earlier runs have filled
  it, as they would. One more run, of another new post with an empty code cache (a machine's
  very first send), is shown below herald's row ("empty code cache"; \`--skip-cold\` leaves it
  out); the targets are judged on the first.
- **Send phase.** For the two Node programs, \`bench/child/probe.ts\` is preloaded (\`--require\`; it
  only observes): the send phase runs from the process's first TCP connection to the SMTP port to
  process exit, so it excludes start-up, reading the subscribers and rendering, and includes
  closing the record. msg/s = N / send-phase seconds; for smtp-source, whose work is all send, the
  whole process wall time is used. "msg/s (whole process)" is N / wall time from spawn to exit.
- **CPU and memory.** Each measured program runs under GNU \`time -f '%e %U %S %M'\`: user + sys
  CPU from the child's rusage as returned by wait4() (all threads of the process: main thread,
  libuv pool, V8's GC and compiler threads), and peak RSS (ru_maxrss). "CPU ms/msg (process)" =
  (user + sys) / N for the whole process, start-up included: that is the figure the target is
  judged on. "CPU ms/msg (send phase)" is process.cpuUsage() at exit minus at the first
  connection, from the probe; what comes before that connection (loading, reading the list,
  rendering, queueing the audience) is reported below each table as herald's start-up. "sink
  CPU" is smtp-sink's utime + stime from /proc during the phase: on a 2-core machine the sink
  and the client share the CPUs. "cores busy" is CPU ms per message × msg/s: 1.00 means one core
  saturated. smtp-sink is a single process, so when its figure nears 1.00 (as it does under
  smtp-source) the ceiling is the sink's one core, not the network; herald's send loop is
  single-threaded too, so its own figure near 1.00 means its main thread is the limit.
- **Two relays at once.** A second \`smtp-sink -c\` on another port; the same N messages, half
  through each. The ceiling is two \`smtp-source -d -s S/2\` started together, one per sink, with
  the same bytes (msg/s over the wall time from the first start to the last exit). herald sends
  another new post with \`relays\` naming the two sinks (\`HERALD_SMTP_URL_ONE\`, \`_TWO\`; weight 1
  and S/2 connections each); its send phase starts at its first connection to either sink. Both
  sinks' counters and \`herald status --json\` must say N; the per-relay split is shown.
  Reported as herald's msg/s over the two smtp-sources' (\`--skip-relays\` leaves it out).
- **Idle send.** A second folder with 1,000 posts (~10 KB each, in year folders) and 10,000
  subscribers; a first run records the baseline, then \`herald send\` with nothing new runs
  several times (fresh process each time, Node start-up included); the median wall time from
  spawn to exit is reported. None of these runs may reach the sink.
- **Per-recipient render** (\`bench/child/render.ts\`, a fresh process): \`renderPost\` once, then
  \`fillMessage\` for 10,000 recipients (recipient values, including the signed unsubscribe
  link, made outside the timed loop); then, where the build has it, the send loop's own path,
  \`compileMessage\` once and \`personalise\` (unsubscribe link, Message-ID, headers, the
  filled and encoded parts: the complete message) per recipient; then \`buildMessage\`
  (nodemailer's MIME composer) for the same 10,000. The first pass is the one judged (cold: JIT
  warm-up included, as in a real send); a warm repeat is shown beside it.
- **HTML size** (\`bench/child/html-size.ts\`, a fresh process): four posts rendered with the
  default template for one subscriber (\`renderPost\` and \`fillMessage\`): the bench's 10 KB post,
  a post with a 200-row, 4-column table, a 120 KB and a 1 MiB post, which herald cuts before its
  footer. The HTML part's bytes (UTF-8, as Gmail counts them: it shows only the first ~102 KB) and
  the byte at which the unsubscribe link's \`href\` starts, against the targets: the bench post
  ≤ 22 KB, the table post ≤ 60 KB, the unsubscribe link before byte 90,000 (herald's
  \`footerWithinBytes\`) for every post under 1 MiB. Sizes do not depend on the machine, so this
  section has no machine line; it is the last phase (\`--skip-html\` leaves it out), and
  \`--only-html\` (\`npm run bench:html\`) runs it alone and leaves the send sections as they are.
- **Message path.** The sample message for smtp-source is built the way the send loop builds it
  (\`compose.personalise\` where the build has it, else \`buildMessage\`), and the bench checks
  that the bytes herald actually wrote to its SMTP connections per message match that size.

Nothing is cached between phases except what the operating system caches by itself (the fixture
was just written, and node_modules was read by earlier phases) and herald's own code cache (see
above); every measured program is a new process. One run per figure (a second one when the first
was disturbed, see below).

**A shared machine.** Before each phase the bench waits (up to \`--quiet-wait\`, 60 s) until
other processes use less than 10 % of the machine's CPU, and each phase reports how much of the
machine's CPU other processes used while it ran ("other processes' CPU": /proc/stat busy time
minus the measured program, the sink and the bench itself). When that share exceeds 10 % during
a send phase, the phase is measured once more (\`--redo\`) and the less disturbed run is the one
shown, with every run's share beside it. On a 2-core machine anything above a few % slows the
programs measured; treat rows that stay disturbed as such, and rerun.

Each send section below is replaced when the benchmark is run again with the same subscriber and
session counts; the HTML-size section by any run that measures it.
`;
