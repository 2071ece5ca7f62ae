// The public API of nvme-actors: the emulator, its faults, the host driver and transports, scenarios and the
// specification chart's test generation.
export { createController, type ControllerOptions, type EmulatedController, type ControllerFaults } from './emulator.ts';
export { matchCommand, matches, FaultConfigError, type CommandMatch, type SubmissionBehaviour, type CompletionBehaviour, type EnableBehaviour, type FaultHandle } from './faults/admin-faults.ts';
export { NamespaceChangeError, type NamespaceChangeReceipt, type NotifyChangeOptions } from './faults/namespace-change.ts';
export { NvmeHost, HostError, type CommandSpec, type CompletionRecord } from './host/nvme-host.ts';
export { EmulatorTransport, emulatorTransport } from './host/emulator-transport.ts';
export type { Transport } from './host/transport.ts';
export { PROFILES, getProfile, type Profile, type ProfileName } from './profiles/profiles.ts';
export { AdminOpcode, Status, LogPage, FeatureId, Register, Csts, Cc } from './spec/constants.ts';
export { parseScenario, parseScenarioFile, ScenarioError, type Scenario } from './scenario/schema.ts';
export { runScenario, makeEmulatorTarget, type Target, type TargetFactory, type ScenarioResult } from './scenario/runner.ts';
export { generatePaths } from './model/generate.ts';
export { chartToScenario } from './model/to-scenario.ts';
export { aenLogPageChart } from '../machines/aen-log-page.chart.ts';
