import { expect } from 'chai';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('when a variable is invalid, then the error names it', () => {
    expect(() => loadConfig({ PORT: 'eighty', REGISTRATION: 'maybe' })).to.throw(ConfigError, /PORT[\s\S]*REGISTRATION/);
  });

  it('when scrypt cost is set below 2^17, then it is refused', () => {
    expect(() => loadConfig({ SCRYPT_LOG_N: '14' })).to.throw(ConfigError, /SCRYPT_LOG_N/);
  });

  it('when nothing is set, then the defaults are the documented ones', () => {
    const config = loadConfig({});
    expect(config.PORT).to.equal(3000);
    expect(config.REGISTRATION).to.equal('approval');
    expect(config.REQUIRE_TOTP_ROLES).to.deep.equal(['reviewer', 'admin']);
    expect(config.TRUST_PROXY).to.equal(false);
    expect(config.HEAP_GROWTH_PERCENT).to.equal(50);
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('when the heap growth is set, then 0 (V8 paces it) to 300 is taken and anything else is refused by name', () => {
    expect(loadConfig({ HEAP_GROWTH_PERCENT: '0' }).HEAP_GROWTH_PERCENT).to.equal(0);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: '300' }).HEAP_GROWTH_PERCENT).to.equal(300);
    for (const bad of ['-1', '301', 'half']) expect(() => loadConfig({ HEAP_GROWTH_PERCENT: bad }), bad).to.throw(ConfigError, /HEAP_GROWTH_PERCENT/);
  });
});
