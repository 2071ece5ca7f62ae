// Regression: a namespace change made while the notice was masked never answered a caller waiting for an AEN.
// Symptom: with a Namespace Attribute Changed AEN posted and not yet acknowledged, notifyChange(2, { until: 'aen' })
// was 'coalesced' but its promise stayed pending; the host's Get Log Page 04h with RAE=0 then returned NSID 2 and
// emptied the list, so no further AEN ever fired for it: the caller hung until some later change, a reset or stop
// (OpenVMM's single-slot RPC behaves the same way, openvmm-nvme-facts §1.1). Cause: the latch put every
// `until: 'aen'` request on its AEN waiters and only a *new* notice answered them, although a masked change is
// covered by the AEN already posted (NVMe Base 2.0 §5.2: the host reads the list it points at). Fix: the latch
// remembers the posted notice while it is masked and answers such a caller with it ('aen.covered').
import { expect, it } from 'vitest';
import { NS_ATTR_CHANGED_DW0, parkAers, pollSettled, readChangedList, track, useRigs } from '../support/rig.ts';

const rig = useRigs();

it('a masked change answers an until-aen caller with the AEN already posted', async () => {
  const { host, notifyChange } = await rig();
  const [older, newer] = await parkAers(host, 2);
  expect((await notifyChange(1)).outcome).toBe('posted');
  await pollSettled(host);
  const waiting = track(notifyChange(2, { until: 'aen' }));
  expect(await waiting.state()).toBe('resolved');
  expect(await waiting.promise).toEqual({ nsid: 2, outcome: 'coalesced', aen: { cid: newer, dw0: NS_ATTR_CHANGED_DW0 } });
  expect((await readChangedList(host)).list).toEqual({ overflow: false, nsids: [1, 2] });
  // After the RAE=0 read the mask is lifted: the next caller waits for (and gets) a new AEN.
  const next = track(notifyChange(3, { until: 'aen' }));
  await pollSettled(host);
  expect(await next.promise).toEqual({ nsid: 3, outcome: 'posted', aen: { cid: older, dw0: NS_ATTR_CHANGED_DW0 } });
});
