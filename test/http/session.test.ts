import { expect } from 'chai';
import type { NextFunction, Request, Response } from 'express';
import { saveBeforeRedirect } from '../../src/http/session.js';

function fakeExchange(session: Record<string, unknown> & { save: (cb: (err?: unknown) => void) => void }) {
  const order: string[] = [];
  const req = { session } as unknown as Request;
  const res = { redirect: (url: string) => order.push(`redirect ${url}`) } as unknown as Response;
  return { req, res, order };
}

describe('saveBeforeRedirect', () => {
  it('when a handler changed the session and redirects, then the redirect waits until the session is stored', async () => {
    const session = {
      save(cb: (err?: unknown) => void) {
        setTimeout(() => {
          order.push('saved');
          cb();
        }, 50);
      },
    } as Record<string, unknown> & { save: (cb: (err?: unknown) => void) => void };
    const { req, res, order } = fakeExchange(session);
    saveBeforeRedirect(req, res, (() => undefined) as NextFunction);
    session.recoveryCodes = ['a'];
    res.redirect('/account/recovery-codes');
    expect(order).to.deep.equal([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(order).to.deep.equal(['saved', 'redirect /account/recovery-codes']);
  });

  it('when the session did not change, then the redirect goes at once and nothing is written', () => {
    let saves = 0;
    const session = { returnTo: '/x', save: () => (saves += 1) };
    const { req, res, order } = fakeExchange(session);
    saveBeforeRedirect(req, res, (() => undefined) as NextFunction);
    res.redirect('/elsewhere');
    expect(order).to.deep.equal(['redirect /elsewhere']);
    expect(saves).to.equal(0);
  });
});
