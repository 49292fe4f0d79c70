// The harness's command line: IPCHarnessCommand with the built-in components only.
import IPCHarnessCommand

IPCHarnessCommand.main()
