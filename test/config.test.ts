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
    expect(Object.isFrozen(config)).to.equal(true);
  });
});
