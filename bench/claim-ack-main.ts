import { createTestDatabase } from '../test/support/db.js';
import { measureClaimAck } from './claim-ack.js';

const tdb = await createTestDatabase();
const database = await tdb.open();
try {
  console.log(JSON.stringify({ database: tdb.url ? 'server' : 'embedded', ...(await measureClaimAck(database, 200)) }));
} finally {
  await database.close();
  await tdb.drop();
}
