// Feeds raw server responses (a file) through imapflow's own response stream, parser and
// message formatter, exactly as an ImapFlow client would, and prints one JSON line per
// FETCH response: what imapflow made of its ENVELOPE and BODYSTRUCTURE.
// Usage: node imapflow_mime.cjs <folder holding node_modules/imapflow> <responses file>
'use strict';

const fs = require('fs');
const path = require('path');

const [clients, file] = process.argv.slice(2);
const lib = path.join(clients, 'node_modules', 'imapflow', 'lib');
const ImapStream = require(path.join(lib, 'handler', 'imap-stream.js')).ImapStream
    || require(path.join(lib, 'handler', 'imap-stream.js'));
const { parser } = require(path.join(lib, 'handler', 'imap-handler.js'));
const tools = require(path.join(lib, 'tools.js'));

function summary(node) {
    return {
        type: node.type,
        part: node.part,
        size: node.size,
        lineCount: node.lineCount,
        parameters: node.parameters,
        disposition: node.disposition,
        dispositionParameters: node.dispositionParameters,
        encoding: node.encoding,
        envelopeSubject: node.envelope ? node.envelope.subject : undefined,
        childNodes: (node.childNodes || []).map(summary),
    };
}

async function main() {
    const stream = new ImapStream();
    let failures = 0;
    stream.on('data', async item => {
        try {
            const parsed = await parser(item.payload, { literals: item.literals });
            if (parsed.tag === '*' && (parsed.command || '').match(/^\d+$/)) {
                const message = await tools.formatMessageResponse(parsed, {});
                process.stdout.write(JSON.stringify({
                    seq: message.seq,
                    subject: message.envelope ? message.envelope.subject : null,
                    from: message.envelope ? message.envelope.from : null,
                    to: message.envelope ? message.envelope.to : null,
                    cc: message.envelope ? message.envelope.cc : null,
                    messageId: message.envelope ? message.envelope.messageId : null,
                    bodyStructure: message.bodyStructure ? summary(message.bodyStructure) : null,
                }) + '\n');
            }
        } catch (err) {
            failures++;
            process.stdout.write(JSON.stringify({ error: String(err && err.message || err) }) + '\n');
        } finally {
            item.next();
        }
    });
    stream.on('error', err => {
        process.stdout.write(JSON.stringify({ error: String(err.message || err) }) + '\n');
        process.exitCode = 1;
    });
    stream.on('end', () => {
        if (failures) {
            process.exitCode = 1;
        }
    });
    stream.end(fs.readFileSync(file));
}

main();
