// The worker process of real-mode runs: started by the driver with posix_spawn, commanded over descriptor 3.
import IPCHarnessWorker

IPCHarnessWorker.run()
