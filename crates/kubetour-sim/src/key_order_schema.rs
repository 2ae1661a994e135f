//! The Go field order of the API types the simulator stores and answers, which is the
//! order the real API server writes JSON in (encoding/json follows struct order; Go
//! maps are written with sorted keys). Read by `key_order`.
//!
//! One line per type: `Type: field field:Type field[Type] field{} field{Type}`:
//! a bare field is kept as it is, `:T` is a struct of type T, `[T]` a list of T,
//! `{}` a map of plain values (keys sorted), `{T}` a map of T (keys sorted), `~` a
//! managedFields set (structured-merge-diff's order).
//! Orders follow k8s.io/api 1.33 types.go and were checked against the real server's
//! answers in tests/fixtures/real (see tests/sim_fidelity_key_order.rs).

pub const SCHEMA: &str = r#"
ObjectMeta: name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp deletionGracePeriodSeconds labels{} annotations{} ownerReferences[OwnerReference] finalizers managedFields[ManagedFieldsEntry]
OwnerReference: apiVersion kind name uid controller blockOwnerDeletion
ManagedFieldsEntry: manager operation apiVersion time fieldsType fieldsV1~ subresource
ListMeta: selfLink resourceVersion continue remainingItemCount
ObjectReference: kind namespace name uid apiVersion resourceVersion fieldPath
LocalObjectReference: name
LabelSelector: matchLabels{} matchExpressions[LabelSelectorRequirement]
LabelSelectorRequirement: key operator values

Pod: kind apiVersion metadata:ObjectMeta spec:PodSpec status:PodStatus
PodTemplateSpec: metadata:ObjectMeta spec:PodSpec
PodSpec: volumes[Volume] initContainers[Container] containers[Container] ephemeralContainers[Container] restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector{} serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext imagePullSecrets[LocalObjectReference] hostname subdomain affinity schedulerName tolerations[Toleration] hostAliases priorityClassName priority dnsConfig readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead{} topologySpreadConstraints[TopologySpreadConstraint] setHostnameAsFQDN os hostUsers schedulingGates resourceClaims resources:ResourceRequirements
Volume: name hostPath:HostPath emptyDir:EmptyDir gcePersistentDisk awsElasticBlockStore gitRepo secret:SecretVolume nfs iscsi glusterfs persistentVolumeClaim:ClaimSource rbd flexVolume cinder cephfs flocker downwardAPI:DownwardAPIVolume fc azureFile configMap:ConfigMapVolume vsphereVolume quobyte azureDisk photonPersistentDisk projected:Projected portworxVolume scaleIO storageos csi ephemeral image
HostPath: path type
EmptyDir: medium sizeLimit
SecretVolume: secretName items[KeyToPath] defaultMode optional
ConfigMapVolume: name items[KeyToPath] defaultMode optional
ClaimSource: claimName readOnly
KeyToPath: key path mode
DownwardAPIVolume: items[DownwardAPIFile] defaultMode
DownwardAPIFile: path fieldRef:ObjectFieldSelector resourceFieldRef mode
ObjectFieldSelector: apiVersion fieldPath
Projected: sources[VolumeProjection] defaultMode
VolumeProjection: secret:ProjectedSecret configMap:ProjectedConfigMap downwardAPI:DownwardAPIVolume serviceAccountToken:ServiceAccountTokenProjection clusterTrustBundle podCertificate
ProjectedSecret: name items[KeyToPath] optional
ProjectedConfigMap: name items[KeyToPath] optional
ServiceAccountTokenProjection: audience expirationSeconds path
Container: name image command args workingDir ports[ContainerPort] envFrom[EnvFromSource] env[EnvVar] resources:ResourceRequirements resizePolicy restartPolicy volumeMounts[VolumeMount] volumeDevices livenessProbe:Probe readinessProbe:Probe startupProbe:Probe lifecycle terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext stdin stdinOnce tty targetContainerName
ContainerPort: name hostPort containerPort protocol hostIP
EnvFromSource: prefix configMapRef:OptionalRef secretRef:OptionalRef
OptionalRef: name optional
EnvVar: name value valueFrom:EnvVarSource
EnvVarSource: fieldRef:ObjectFieldSelector resourceFieldRef configMapKeyRef:KeySelector secretKeyRef:KeySelector
KeySelector: name key optional
ResourceRequirements: limits{} requests{} claims
VolumeMount: name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr
Probe: exec httpGet:HTTPGet tcpSocket:TCPSocket grpc initialDelaySeconds timeoutSeconds periodSeconds successThreshold failureThreshold terminationGracePeriodSeconds
HTTPGet: path port host scheme httpHeaders
TCPSocket: port host
Toleration: key operator value effect tolerationSeconds
TopologySpreadConstraint: maxSkew topologyKey whenUnsatisfiable labelSelector:LabelSelector minDomains nodeAffinityPolicy nodeTaintsPolicy matchLabelKeys
PodStatus: observedGeneration phase conditions[PodCondition] message reason nominatedNodeName hostIP hostIPs[IP] podIP podIPs[IP] startTime initContainerStatuses[ContainerStatus] containerStatuses[ContainerStatus] qosClass ephemeralContainerStatuses[ContainerStatus] resize resourceClaimStatuses
IP: ip
PodCondition: type observedGeneration status lastProbeTime lastTransitionTime reason message
ContainerStatus: name state:ContainerState lastState:ContainerState ready restartCount image imageID containerID started allocatedResources{} resources:ResourceRequirements volumeMounts user allocatedResourcesStatus stopSignal
ContainerState: waiting:StateWaiting running:StateRunning terminated:StateTerminated
StateWaiting: reason message
StateRunning: startedAt
StateTerminated: exitCode signal reason message startedAt finishedAt containerID

Deployment: kind apiVersion metadata:ObjectMeta spec:DeploymentSpec status:DeploymentStatus
DeploymentSpec: replicas selector:LabelSelector template:PodTemplateSpec strategy:DeploymentStrategy minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds
DeploymentStrategy: type rollingUpdate:RollingUpdateDeployment
RollingUpdateDeployment: maxUnavailable maxSurge
DeploymentStatus: observedGeneration replicas updatedReplicas readyReplicas availableReplicas unavailableReplicas terminatingReplicas conditions[WorkloadCondition] collisionCount
WorkloadCondition: type status lastUpdateTime lastTransitionTime reason message
ReplicaSet: kind apiVersion metadata:ObjectMeta spec:ReplicaSetSpec status:ReplicaSetStatus
ReplicaSetSpec: replicas minReadySeconds selector:LabelSelector template:PodTemplateSpec
ReplicaSetStatus: replicas fullyLabeledReplicas readyReplicas availableReplicas terminatingReplicas observedGeneration conditions[WorkloadCondition]
StatefulSet: kind apiVersion metadata:ObjectMeta spec:StatefulSetSpec status:StatefulSetStatus
StatefulSetSpec: replicas selector:LabelSelector template:PodTemplateSpec volumeClaimTemplates[PersistentVolumeClaim] serviceName podManagementPolicy updateStrategy:StatefulSetUpdateStrategy revisionHistoryLimit minReadySeconds persistentVolumeClaimRetentionPolicy:ClaimRetention ordinals
StatefulSetUpdateStrategy: type rollingUpdate:StatefulSetRollingUpdate
StatefulSetRollingUpdate: partition maxUnavailable
ClaimRetention: whenDeleted whenScaled
StatefulSetStatus: observedGeneration replicas readyReplicas currentReplicas updatedReplicas currentRevision updateRevision collisionCount conditions[WorkloadCondition] availableReplicas
ControllerRevision: kind apiVersion metadata:ObjectMeta data revision

Service: kind apiVersion metadata:ObjectMeta spec:ServiceSpec status:ServiceStatus
ServiceSpec: ports[ServicePort] selector{} clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ipFamilies ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution
ServicePort: name protocol appProtocol port targetPort nodePort
ServiceStatus: loadBalancer conditions
Endpoints: kind apiVersion metadata:ObjectMeta subsets[EndpointSubset]
EndpointSubset: addresses[EndpointAddress] notReadyAddresses[EndpointAddress] ports[EndpointPort]
EndpointAddress: ip hostname nodeName targetRef:ObjectReference
EndpointPort: name port protocol appProtocol
EndpointSlice: kind apiVersion metadata:ObjectMeta addressType endpoints[SliceEndpoint] ports[SlicePort]
SliceEndpoint: addresses conditions:EndpointConditions hostname targetRef:ObjectReference deprecatedTopology{} nodeName zone hints
EndpointConditions: ready serving terminating
SlicePort: name protocol port appProtocol

ConfigMap: kind apiVersion metadata:ObjectMeta immutable data{} binaryData{}
Secret: kind apiVersion metadata:ObjectMeta immutable data{} stringData{} type
ServiceAccount: kind apiVersion metadata:ObjectMeta secrets[ObjectReference] imagePullSecrets[LocalObjectReference] automountServiceAccountToken
Namespace: kind apiVersion metadata:ObjectMeta spec status:NamespaceStatus
NamespaceStatus: phase conditions
Node: kind apiVersion metadata:ObjectMeta spec:NodeSpec status:NodeStatus
NodeSpec: podCIDR podCIDRs providerID unschedulable taints[Taint] configSource externalID
Taint: key value effect timeAdded
NodeStatus: capacity{} allocatable{} phase conditions[NodeCondition] addresses[NodeAddress] daemonEndpoints nodeInfo:NodeInfo images volumesInUse volumesAttached config runtimeHandlers features
NodeCondition: type status lastHeartbeatTime lastTransitionTime reason message
NodeAddress: type address
NodeInfo: machineID systemUUID bootID kernelVersion osImage containerRuntimeVersion kubeletVersion kubeProxyVersion operatingSystem architecture swap
PersistentVolumeClaim: kind apiVersion metadata:ObjectMeta spec:ClaimSpec status:ClaimStatus
ClaimSpec: accessModes selector:LabelSelector resources:ResourceRequirements volumeName storageClassName volumeMode dataSource dataSourceRef volumeAttributesClassName
ClaimStatus: phase accessModes capacity{} conditions allocatedResources{} allocatedResourceStatuses{} currentVolumeAttributesClassName modifyVolumeStatus
PersistentVolume: kind apiVersion metadata:ObjectMeta spec:VolumeSpec status:VolumeStatus
VolumeSpec: capacity{} gcePersistentDisk awsElasticBlockStore hostPath:HostPath glusterfs nfs rbd iscsi cinder cephfs fc flocker flexVolume azureFile vsphereVolume quobyte azureDisk photonPersistentDisk portworxVolume scaleIO local storageos csi accessModes claimRef:ObjectReference persistentVolumeReclaimPolicy storageClassName mountOptions volumeMode nodeAffinity volumeAttributesClassName
VolumeStatus: phase message reason lastPhaseTransitionTime
Event: kind apiVersion metadata:ObjectMeta involvedObject:ObjectReference reason message source:EventSource firstTimestamp lastTimestamp count type eventTime series action related:ObjectReference reportingComponent reportingInstance
EventSource: component host
EventV1: kind apiVersion metadata:ObjectMeta eventTime series reportingController reportingInstance action reason regarding:ObjectReference related:ObjectReference note type deprecatedSource:EventSource deprecatedFirstTimestamp deprecatedLastTimestamp deprecatedCount

Role: kind apiVersion metadata:ObjectMeta rules[PolicyRule]
ClusterRole: kind apiVersion metadata:ObjectMeta rules[PolicyRule] aggregationRule
PolicyRule: verbs apiGroups resources resourceNames nonResourceURLs
RoleBinding: kind apiVersion metadata:ObjectMeta subjects[Subject] roleRef:RoleRef
ClusterRoleBinding: kind apiVersion metadata:ObjectMeta subjects[Subject] roleRef:RoleRef
Subject: kind apiGroup name namespace
RoleRef: apiGroup kind name
StorageClass: kind apiVersion metadata:ObjectMeta provisioner parameters{} reclaimPolicy mountOptions allowVolumeExpansion volumeBindingMode allowedTopologies

Job: kind apiVersion metadata:ObjectMeta spec:JobSpec status:JobStatus
JobSpec: parallelism completions activeDeadlineSeconds podFailurePolicy successPolicy backoffLimit backoffLimitPerIndex maxFailedIndexes selector:LabelSelector manualSelector template:PodTemplateSpec ttlSecondsAfterFinished completionMode suspend podReplacementPolicy managedBy
JobStatus: conditions[JobCondition] startTime completionTime active succeeded failed terminating completedIndexes failedIndexes uncountedTerminatedPods:UncountedPods ready
JobCondition: type status lastProbeTime lastTransitionTime reason message
UncountedPods: succeeded failed
CronJob: kind apiVersion metadata:ObjectMeta spec:CronJobSpec status:CronJobStatus
CronJobSpec: schedule timeZone startingDeadlineSeconds concurrencyPolicy suspend jobTemplate:JobTemplateSpec successfulJobsHistoryLimit failedJobsHistoryLimit
JobTemplateSpec: metadata:ObjectMeta spec:JobSpec
CronJobStatus: active[ObjectReference] lastScheduleTime lastSuccessfulTime
Lease: kind apiVersion metadata:ObjectMeta spec:LeaseSpec
LeaseSpec: holderIdentity leaseDurationSeconds acquireTime renewTime leaseTransitions strategy preferredHolder
APIService: kind apiVersion metadata:ObjectMeta spec:APIServiceSpec status:APIServiceStatus
APIServiceSpec: service:ServiceReference group version insecureSkipTLSVerify caBundle groupPriorityMinimum versionPriority
ServiceReference: namespace name port
APIServiceStatus: conditions[APIServiceCondition]
APIServiceCondition: type status lastTransitionTime reason message

Scale: kind apiVersion metadata:ObjectMeta spec:ScaleSpec status:ScaleStatus
ScaleSpec: replicas
ScaleStatus: replicas selector
Status: kind apiVersion metadata:ListMeta status message reason details:StatusDetails code
StatusDetails: name group kind uid causes[StatusCause] retryAfterSeconds
StatusCause: reason message field
TokenRequest: kind apiVersion metadata:ObjectMeta spec:TokenRequestSpec status
TokenRequestSpec: audiences expirationSeconds boundObjectRef
Eviction: kind apiVersion metadata:ObjectMeta deleteOptions
PartialObjectMetadata: kind apiVersion metadata:ObjectMeta

APIResourceList: kind apiVersion groupVersion resources[APIResource]
APIResource: name singularName namespaced group version kind verbs shortNames categories storageVersionHash
APIGroupDiscoveryList: kind apiVersion metadata:ListMeta items[APIGroupDiscovery]
APIGroupDiscovery: metadata:ObjectMeta versions[APIVersionDiscovery]
APIVersionDiscovery: version resources[APIResourceDiscovery] freshness
APIResourceDiscovery: resource responseKind:GroupVersionKind scope singularResource verbs shortNames categories subresources[APISubresourceDiscovery]
APISubresourceDiscovery: subresource responseKind:GroupVersionKind acceptedTypes verbs
GroupVersionKind: group version kind
"#;
