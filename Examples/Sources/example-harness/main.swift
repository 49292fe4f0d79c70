// The example's own command line: every `ipc-harness` subcommand, knowing the example's kinds and scenarios.
//   swift run example-harness list
//   swift run example-harness run example-leaky-token-pool --runs 200
//   swift run example-harness replay .ipc-harness/traces/example-leaky-token-pool-….jsonl
import ExampleIPC
import IPCHarnessCommand

IPCHarnessCommand.main(ExampleComponents.all)
