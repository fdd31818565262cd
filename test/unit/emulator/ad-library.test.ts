import { AdLibrary, type AdFilter, formatReach, parseReach } from '../../../lib/emulator/ad-library';
import { formatYmd } from '../../../lib/emulator/dates';

const FROM = Date.parse('2025-03-01T00:00:00Z') / 1000;
const TO = Date.parse('2026-03-01T00:00:00Z') / 1000;
const NOW = TO;
const library = new AdLibrary({ seed: 1, from: FROM, to: TO, adsPerYear: 1_000, advertisers: 50, removalShare: 0.05 });
const everything: AdFilter = { minDate: '20221002', maxDate: '20991231', country: undefined, advertiserIds: undefined, reachMin: undefined, reachMax: undefined, searchTerm: undefined, fuzzy: false };

describe('ad library', () => {
  it('writes and reads reach buckets', () => {
    expect(formatReach(999)).toBe('0K');
    expect(formatReach(11_500)).toBe('11K');
    expect(formatReach(2_300_000)).toBe('2M');
    expect(formatReach(1_000_000_000)).toBe('1B');
    expect(parseReach('10K')).toBe(10_000);
    expect(parseReach('2M')).toBe(2_000_000);
    expect(parseReach('1000K')).toBeUndefined();
    expect(parseReach('ten')).toBeUndefined();
  });

  it('lists visible ads newest first and hides removed ones from their removal on', () => {
    const all = library.query(everything, NOW);
    expect(all.length).toBeGreaterThan(800);
    for (let i = 1; i < all.length; i += 1) {
      const [a, b] = [all[i - 1]!, all[i]!];
      expect(a.firstShown > b.firstShown || (a.firstShown === b.firstShown && a.id > b.id)).toBe(true);
    }
    const removed = library.ads.find((ad) => ad.removedAt !== undefined && ad.removedAt < NOW)!;
    expect(library.isVisible(removed, removed.removedAt! - 1)).toBe(true);
    expect(library.isVisible(removed, removed.removedAt!)).toBe(false);
    expect(all).not.toContain(removed);
  });

  it('filters by published date, country, advertiser, reach and search term', () => {
    const inJanuary = library.query({ ...everything, minDate: '20260101', maxDate: '20260131' }, NOW);
    expect(inJanuary.length).toBeGreaterThan(0);
    expect(inJanuary.every((ad) => formatYmd(ad.firstShown) >= '20260101' && formatYmd(ad.firstShown) <= '20260131')).toBe(true);

    expect(library.query({ ...everything, country: 'DE' }, NOW).every((ad) => ad.countries.includes('DE'))).toBe(true);

    const advertiser = library.advertisers[library.ads[0]!.advertiser]!;
    const byAdvertiser = library.query({ ...everything, advertiserIds: new Set([advertiser.businessId.toString()]) }, NOW);
    expect(byAdvertiser.length).toBeGreaterThan(0);
    expect(byAdvertiser.every((ad) => library.advertisers[ad.advertiser] === advertiser)).toBe(true);

    const big = library.query({ ...everything, reachMin: 100_000, reachMax: 1_000_000_000 }, NOW);
    expect(big.every((ad) => library.reachAt(ad, NOW) >= 100_000)).toBe(true);

    const coffee = library.query({ ...everything, searchTerm: 'Coffee' }, NOW);
    expect(coffee.length).toBeGreaterThan(0);
    expect(coffee.every((ad) => ad.product === 'coffee' || library.advertisers[ad.advertiser]!.name.toLowerCase().includes('coffee'))).toBe(true);
    // advertiser_business_ids is ignored when a search term is given
    expect(library.query({ ...everything, searchTerm: 'coffee', advertiserIds: new Set(['1']) }, NOW)).toEqual(coffee);
    expect(library.query({ ...everything, searchTerm: 'game mobile' }, NOW)).toEqual([]);
    expect(library.query({ ...everything, searchTerm: 'game mobile', fuzzy: true }, NOW).length).toBeGreaterThan(0);
  });

  it('grows reach over the days shown', () => {
    const ad = library.ads.find((a) => a.lastShown - a.firstShown >= 5 * 86_400 && a.reachTotal > 10_000)!;
    expect(library.reachAt(ad, ad.firstShown)).toBe(0);
    expect(library.reachAt(ad, ad.firstShown + 2 * 86_400)).toBeGreaterThan(0);
    expect(library.reachAt(ad, ad.lastShown + 86_400)).toBe(ad.reachTotal);
  });
});
