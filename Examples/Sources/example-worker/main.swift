// The example's worker process: the harness's worker loop with the example's kinds. The driver starts one per
// process of a run.
import ExampleIPC
import IPCHarnessWorker

IPCHarnessWorker.run(ExampleComponents.all)
