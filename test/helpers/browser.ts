// Chromium for the console's browser tests: Debian's `chromium` package driven by playwright-core
// (no browser download). Suites use describeWithBrowser: they run when Chromium is installed, fail
// when it is missing and REQUIRE_BROWSER=1 (CI installs it), and skip with a reason otherwise.
import { describe, it } from 'vitest';
import { chromiumPath } from '../../scripts/chromium';

export { launchChromium } from '../../scripts/chromium';

export function describeWithBrowser(name: string, fn: () => void): void {
  if (chromiumPath()) {
    describe(name, fn);
    return;
  }
  if (process.env.REQUIRE_BROWSER === '1') {
    describe(name, () => {
      it('needs Chromium, which REQUIRE_BROWSER=1 makes mandatory', () => {
        throw new Error('Chromium is not installed and REQUIRE_BROWSER=1: apt-get install chromium');
      });
    });
    return;
  }
  describe.skip(`${name} (skipped: Chromium not installed; apt-get install chromium to run it)`, fn);
}
