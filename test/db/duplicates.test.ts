import { expect } from 'chai';
import mongoose from 'mongoose';
import { unlessOnlyDuplicates } from '../../src/db/duplicates.js';

/**
 * db/duplicates.ts: an unordered bulk write whose refused inserts are expected (the projection's and
 * the queue rows' versioned upserts) goes on past taken keys, and any other refusal still surfaces.
 */
describe('bulk writes with expected refusals (unlessOnlyDuplicates)', () => {
  const collection = () => mongoose.connection.db!.collection('duplicatestests');
  afterEach(async () => {
    await collection().drop().catch(() => undefined);
  });

  it('when an unordered bulk insert meets a taken key, then the other documents are stored and nothing is thrown', async () => {
    await collection().insertOne({ _id: 'taken' as never, n: 1 });
    await collection()
      .insertMany([{ _id: 'taken' as never, n: 2 }, { _id: 'free' as never, n: 3 }], { ordered: false })
      .catch(unlessOnlyDuplicates);
    expect((await collection().find({}).sort({ _id: 1 }).toArray()).map((d) => `${String(d._id)} ${String(d.n)}`)).to.deep.equal(['free 3', 'taken 1']);
  });

  it('when a write was refused for anything else, or the error names no refused write (a lost connection), then it is thrown', () => {
    const mixed = Object.assign(new Error('bulk'), { writeErrors: [{ code: 11000 }, { code: 2 }] });
    expect(() => unlessOnlyDuplicates(mixed)).to.throw('bulk');
    const network = new Error('connection closed');
    expect(() => unlessOnlyDuplicates(network)).to.throw('connection closed');
    expect(() => unlessOnlyDuplicates(Object.assign(new Error('one'), { writeErrors: { code: 11000 } }))).not.to.throw();
  });
});
