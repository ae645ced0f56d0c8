// npm run desk-protocol: prints the README's table of the agent desktop's ws protocol, generated
// from the zod schemas in src/adapters/ws/protocol.ts.
import { deskProtocolMarkdown } from '../adapters/ws/protocol-doc.js';

process.stdout.write(deskProtocolMarkdown());
