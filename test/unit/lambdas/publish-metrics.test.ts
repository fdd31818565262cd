/**
 * The job handlers' metrics middleware: an invocation that added metrics publishes them (EMF on stdout), one that
 * added none publishes nothing and prints no "No application metrics to publish" warning.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { jobHandler } from '../../../lambdas/shared/handler';
import { metrics } from '../../../lambdas/shared/powertools';

const context = { awsRequestId: 'req-1', functionName: 'steward-test', getRemainingTimeInMillis: () => 60_000 };

function captured(): { text: () => string; restore: () => void } {
  let text = '';
  const grab = (chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(grab);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(grab);
  return { text: () => text, restore: () => (out.mockRestore(), err.mockRestore()) };
}

describe('job handler metrics', () => {
  it('publishes what an invocation added, nothing (and no warning) when it added none', async () => {
    const handler = jobHandler(z.object({ add: z.boolean() }), async ({ add }) => {
      if (add) metrics.addMetric('TestRecords', MetricUnit.Count, 3);
      return { ok: true };
    });
    const output = captured();
    try {
      await handler({ add: false }, context as never);
      const first = output.text();
      await handler({ add: false }, context as never);
      const second = output.text().slice(first.length);
      await handler({ add: true }, context as never);
      const third = output.text().slice(first.length + second.length);

      expect(output.text()).not.toContain('No application metrics');
      expect(first.includes('"_aws"') ? first : '').not.toContain('TestRecords');
      expect(second).toBe('');
      expect(third).toContain('"TestRecords":3');
    } finally {
      output.restore();
    }
  });
});
