// The public API of nvme-actors (`import { … } from 'nvme-actors'`): the emulator and its faults, the host driver
// and its transports, scenario files and their runner, the specification chart's test generation, profiles and the
// NVMe constants. `nvme-actors/vitest` registers tests; `nvme-actors/machines` gives the statecharts themselves.
// One `export` line per module, grouped by layer: a new public piece (a transport, a target, an engine option) is
// one more line in its group, and test/package/package.test.ts checks the compiled package still loads.

// The emulated controller (src/emulator.ts) and its fault API (docs/faults.md).
export { createController, type ControllerOptions, type EmulatedController, type ControllerFaults, type PciConfigSpace, type PciIds } from './emulator.ts';
export { ENGINE_NAMES, DEFAULT_ENGINE, type EngineName } from './engine/index.ts';
export { matchCommand, matches, FaultConfigError, type CommandMatch, type SubmissionBehaviour, type CompletionBehaviour, type EnableBehaviour, type FaultHandle } from './faults/admin-faults.ts';
export { NamespaceChangeError, type NamespaceChangeErrorCode, type NamespaceChangeReceipt, type NamespaceFaults, type NotifyChangeOptions, type ReceiptOutcome } from './faults/namespace-change.ts';

// The host driver and the transports it runs over.
export { NvmeHost, HostError, HOST_MAX_TRANSFER, type CommandSpec, type CompletionRecord, type HostOptions } from './host/nvme-host.ts';
export type { Transport, Awaitable, CapsuleQueue, CapsuleResponse } from './host/transport.ts';
export { EmulatorTransport, emulatorTransport } from './host/emulator-transport.ts';
export { TcpTransport, connectTcp, parseTcpTarget, type TcpTransportOptions, type TcpTargetAddress } from './host/tcp-transport.ts';
export { QemuTransport, startQemu, qemuAvailable, QemuUnavailableError, QemuStartError, type QemuOptions, type QemuNamespaceOptions } from './host/qemu-transport.ts';

// Scenario files (docs/scenarios.md, schema/scenario.schema.json), their runner, targets and trace.
export { parseScenario, parseScenarioFile, parseScenarioText, ScenarioError, OPCODE_NAMES, STATUS_NAMES, REGISTER_NAMES, type Scenario, type Step, type CommandDecl, type NamespaceDecl, type FaultSpec, type FaultStep, type StatusExpectation, type RegisterName } from './scenario/schema.ts';
export { runScenario, makeEmulatorTarget, emulatorTarget, UnsupportedStepError, type Target, type TargetFactory, type ScenarioResult, type TraceRecord, type RunOptions, type ScenarioFaultHandle } from './scenario/runner.ts';
export { makeQemuTarget, qemuTarget, type QemuTargetOptions } from './host/qemu-target.ts';
export { makeTcpTarget, type TcpTargetOptions } from './host/tcp-target.ts';
export { formatRecord, formatResult } from './scenario/trace-format.ts';

// The emulated controller served over NVMe/TCP (`nvme-actors serve`, docs/fabrics.md).
export { NvmeTcpTarget, DEFAULT_NQN, applyFabricsIdentify, type TargetOptions as NvmeTcpTargetOptions, type TargetEvent as NvmeTcpTargetEvent } from './serve/target.ts';
export { loopback, makeTcpLoopbackTarget, tcpLoopbackTarget } from './serve/loopback.ts';

// Tests generated from the specification chart (docs/model-based-testing.md).
export { generatePaths, type ChartPath, type Coverage } from './model/generate.ts';
export { chartToScenario, describeEvent, EVENT_CLAUSE, type ScenarioJson } from './model/to-scenario.ts';
export { buildPack, runConformance, type ConformancePack, type ConformanceRow } from './model/conformance.ts';
export type { ChartEvent } from './logic/aen-chart.ts';

// Profiles: the policy knobs where the specification leaves room or the peers differ.
export { PROFILES, PROFILE_NAMES, getProfile, type Profile, type ProfileName } from './profiles/profiles.ts';

// NVMe constants, named with the specification's mnemonics.
export { AdminOpcode, Status, StatusCodeType, LogPage, FeatureId, AsyncEventConfig, AsyncEventType, AsyncEventInfo, Cns, Register, Csts, Cc } from './spec/constants.ts';
