import IPCModels

/// Creates the objects of a workload, each by its kind (looked up in the ``KindRegistry`` by the name the workload
/// gives). If one cannot be created, what was created is removed and the error names the object.
enum ObjectProvisioner {
    static func provision(_ workload: Workload) throws(HarnessError) -> ProvisionedObjects {
        var provisioned = ProvisionedObjects()
        do {
            for object in workload.objects {
                try KindRegistry.requireKind(named: object.kind).provision(object, in: workload, into: &provisioned)
            }
        } catch {
            provisioned.closeDriverCopies()
            provisioned.removeNamedObjects()
            throw error
        }
        return provisioned
    }
}
