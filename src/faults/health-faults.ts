// The health faults (issue 18): raise Critical Warning bits, move the composite temperature, start a firmware
// activation (CSTS.PP for a set time, then done) and inject an Error event (Persistent Internal Error and the other
// infos, NVMe Base 2.0 §5.2). Each is a message to the AEN latch, answered with the outcome the latch emits; the
// activation's time is a timer here, outside the machines, which tells the latch when it is up.
import { AsyncEventInfo } from '../spec/constants.ts';
import type { HealthOutcome, LatchEmitted, LatchEvent } from '../../machines/events.ts';

export type HealthFaultCode = 'invalidArgument' | 'offline' | 'unsupported' | 'busy' | 'reset' | 'stopped';

export class HealthFaultError extends Error {
  constructor(readonly code: HealthFaultCode, message: string) {
    super(message);
    this.name = 'HealthFaultError';
  }
}

/** What a health fault did to the event of its type: posted now, retained for an AER, masked behind an outstanding
 * one, or no event (no enabled warning newly set, AEC bit clear, or a profile without the event). */
export interface HealthReceipt {
  readonly outcome: HealthOutcome;
  /** Critical Warning after the change (0 in a profile that reports none). */
  readonly criticalWarning: number;
  readonly temperature: number;
}

export interface FirmwareReceipt {
  /** What became of the Firmware Activation Starting notice. */
  readonly outcome: HealthOutcome;
  /** The slot active after the activation. */
  readonly activeSlot: number;
}

export interface ErrorReceipt {
  readonly info: number;
  readonly outcome: HealthOutcome;
}

export interface HealthFaults {
  /** Set the Critical Warning bits 5:0 (bit 1, temperature, follows the thresholds and is ignored here). */
  setCriticalWarning(bits: number): Promise<HealthReceipt>;
  /** Move the composite temperature (Kelvin, 0..FFFFh): a threshold it crosses raises the temperature warning. */
  setTemperature(kelvin: number): Promise<HealthReceipt>;
  /** Start a firmware activation: CSTS.PP = 1 and commands wait for `ms` (default 100), then processing resumes. The
   * promise resolves when it is done; the notice's outcome is known at once through `onStarted`. */
  activateFirmware(options?: { ms?: number; revision?: string; onStarted?: (outcome: HealthOutcome) => void }): Promise<FirmwareReceipt>;
  /** An Error event of `info` (02h Diagnostic Failure, 03h Persistent Internal Error, 04h Transient Internal Error,
   * 05h Firmware Image Load Error; 00h/01h are the doorbell errors). */
  raiseError(info: number): Promise<ErrorReceipt>;
}

interface LatchLike {
  send(e: LatchEvent): void;
  on(type: '*', h: (e: LatchEmitted) => void): { unsubscribe(): void };
  getSnapshot(): { value: unknown };
}

export interface HealthFaultWiring {
  readonly latch: () => LatchLike | undefined;
  readonly isStopped: () => boolean;
}

const ERROR_INFOS = new Set<number>([
  AsyncEventInfo.ERROR_INVALID_DOORBELL_REGISTER,
  AsyncEventInfo.ERROR_INVALID_DOORBELL_VALUE,
  AsyncEventInfo.ERROR_DIAGNOSTIC_FAILURE,
  AsyncEventInfo.ERROR_PERSISTENT_INTERNAL,
  AsyncEventInfo.ERROR_TRANSIENT_INTERNAL,
  AsyncEventInfo.ERROR_FIRMWARE_IMAGE_LOAD,
]);

export function createHealthFaults(w: HealthFaultWiring): HealthFaults {
  /** Send `event` to the latch (online) and return what it emitted of `type` in that step. */
  function ask<T extends LatchEmitted['type']>(event: LatchEvent, type: T): Extract<LatchEmitted, { type: T }> | Extract<LatchEmitted, { type: 'firmware.refused' }> {
    if (w.isStopped()) throw new HealthFaultError('stopped', 'the controller has been stopped');
    const latch = w.latch();
    if (!latch || latch.getSnapshot().value === 'offline') throw new HealthFaultError('offline', 'the controller is not enabled: health faults need CC.EN = 1 and CSTS.RDY = 1');
    let answer: LatchEmitted | undefined;
    const sub = latch.on('*', (e) => {
      if (!answer && (e.type === type || e.type === 'firmware.refused')) answer = e;
    });
    try {
      latch.send(event);
    } finally {
      sub.unsubscribe();
    }
    if (!answer) throw new HealthFaultError('offline', `the latch did not answer ${event.type}`);
    return answer as Extract<LatchEmitted, { type: T }>;
  }
  const health = (event: LatchEvent): HealthReceipt => {
    const a = ask(event, 'health.processed');
    if (a.type !== 'health.processed') throw new HealthFaultError('unsupported', a.reason);
    return { outcome: a.outcome, criticalWarning: a.criticalWarning, temperature: a.temperature };
  };
  const attempt = <T>(f: () => T): Promise<T> => {
    try {
      return Promise.resolve(f());
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const isU16 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff;

  return {
    setCriticalWarning(bits) {
      if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 0 || bits > 0x3f) return Promise.reject(new HealthFaultError('invalidArgument', `Critical Warning bits must be an integer 0..3Fh, got ${String(bits)}`));
      return attempt(() => health({ type: 'health.changed', criticalWarning: bits }));
    },
    setTemperature(kelvin) {
      if (!isU16(kelvin)) return Promise.reject(new HealthFaultError('invalidArgument', `a temperature must be an integer 0..65535 Kelvin, got ${String(kelvin)}`));
      return attempt(() => health({ type: 'health.changed', temperature: kelvin }));
    },
    activateFirmware(options = {}) {
      const ms = options.ms ?? 100;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 60_000) return Promise.reject(new HealthFaultError('invalidArgument', `an activation lasts 0..60000 ms, got ${String(ms)}`));
      const revision = options.revision ?? '0.2.0';
      if (typeof revision !== 'string' || revision.length === 0 || revision.length > 8 || /[^\x20-\x7e]/.test(revision)) return Promise.reject(new HealthFaultError('invalidArgument', 'a firmware revision is 1..8 printable ASCII characters'));
      return new Promise<FirmwareReceipt>((resolve, reject) => {
        let started: LatchEmitted;
        try {
          started = ask({ type: 'firmware.activate', revision }, 'firmware.activating');
        } catch (e) {
          return reject(e);
        }
        if (started.type === 'firmware.refused') return reject(new HealthFaultError(started.reason.includes('in progress') ? 'busy' : 'unsupported', started.reason));
        const outcome = (started as Extract<LatchEmitted, { type: 'firmware.activating' }>).outcome;
        options.onStarted?.(outcome);
        const latch = w.latch()!;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const sub = latch.on('*', (e) => {
          if (e.type === 'latch.reset') {
            if (timer) clearTimeout(timer);
            sub.unsubscribe();
            reject(new HealthFaultError('reset', 'a controller reset ended the firmware activation'));
          } else if (e.type === 'firmware.activated') {
            sub.unsubscribe();
            resolve({ outcome, activeSlot: e.activeSlot });
          }
        });
        timer = setTimeout(() => {
          timer = undefined;
          if (w.isStopped()) {
            sub.unsubscribe();
            return reject(new HealthFaultError('stopped', 'the controller has been stopped'));
          }
          latch.send({ type: 'firmware.activated' });
        }, ms);
      });
    },
    raiseError(info) {
      if (!ERROR_INFOS.has(info)) return Promise.reject(new HealthFaultError('invalidArgument', `an Error event info is 00h..05h (NVMe Base 2.0 §5.2 Figure 147), got ${String(info)}`));
      return attempt(() => {
        const a = ask({ type: 'error.injected', info }, 'error.processed');
        if (a.type !== 'error.processed') throw new HealthFaultError('unsupported', 'no answer');
        return { info, outcome: a.outcome };
      });
    },
  };
}
