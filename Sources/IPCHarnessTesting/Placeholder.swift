import IPCModels
