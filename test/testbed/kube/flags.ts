// The command lines of one cluster's processes: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (the kubelet of the fake nodes).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CertFiles } from '../pki.ts';
import type { ClusterFiles } from './files.ts';

export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  api: number;
  kcm: number;
  sched: number;
  kwok: number;
}

/** Nodes kwok manages carry this annotation (and only they). */
export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

const STAGES_FILE = join(dirname(fileURLToPath(import.meta.url)), 'stages.yaml');

// Controllers a deployment rollout and ordinary workloads need. Left out on purpose: node
// IPAM, node lifecycle and taint eviction (fake nodes have no kubelet heartbeat to judge and no
// pod CIDRs to hand out), volumes, certificate signing, bootstrap tokens and autoscaling.
const CONTROLLERS = [
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'deployment-controller',
  'replicaset-controller',
  'replicationcontroller-controller',
  'statefulset-controller',
  'daemonset-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'pod-garbage-collector-controller',
  'disruption-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'clusterrole-aggregation-controller',
  'service-cidr-controller',
];

export function etcdArgs(name: string, dir: string, ports: ClusterPorts): string[] {
  return [
    `--name=${name}`,
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-cluster=${name}=http://127.0.0.1:${ports.etcdPeer}`,
    '--initial-cluster-state=new',
    // Test data: durability is not worth the fsyncs.
    '--unsafe-no-fsync',
    '--auto-compaction-retention=1',
    '--log-level=warn',
  ];
}

export function apiserverArgs(ports: ClusterPorts, f: ClusterFiles, caCert: string): string[] {
  return [
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${ports.api}`,
    `--tls-cert-file=${f.apiCert.cert}`,
    `--tls-private-key-file=${f.apiCert.key}`,
    `--cert-dir=${join(f.pki, 'apiserver-generated')}`,
    `--client-ca-file=${caCert}`,
    `--token-auth-file=${f.tokenFile}`,
    '--authorization-mode=Node,RBAC',
    `--service-account-key-file=${f.sa.publicKey}`,
    `--service-account-signing-key-file=${f.sa.privateKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-cluster-ip-range=10.96.0.0/16',
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    // Nodes created by the apiserver's admission get a not-ready taint that only the node
    // lifecycle controller lifts; fake nodes have no kubelet heartbeat for it to judge, so
    // that controller is off and the taint is not added (the nodes are Ready at once).
    '--disable-admission-plugins=TaintNodesByCondition',
    // The front-proxy CA (the controller-manager and scheduler read it for delegated auth).
    `--requestheader-client-ca-file=${caCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${f.frontProxy.cert}`,
    `--proxy-client-key-file=${f.frontProxy.key}`,
    // The apiserver would publish its address as the endpoint of the `kubernetes` service, and
    // validation refuses loopback addresses there (error loop, slow shutdown); nothing
    // in the testbed reaches the apiserver through that service.
    '--endpoint-reconciler-type=none',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--event-ttl=1h',
  ];
}

/** What kube-controller-manager and kube-scheduler share: their kubeconfig and a TLS port of their own. */
function componentArgs(kubeconfig: string, port: number, cert: CertFiles, caCert: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${cert.cert}`,
    `--tls-private-key-file=${cert.key}`,
    `--client-ca-file=${caCert}`,
  ];
}

export function controllerManagerArgs(ports: ClusterPorts, f: ClusterFiles, caCert: string): string[] {
  return [
    ...componentArgs(f.kcmKubeconfig, ports.kcm, f.kcm, caCert),
    `--service-account-private-key-file=${f.sa.privateKey}`,
    `--root-ca-file=${caCert}`,
    '--use-service-account-credentials=true',
    `--controllers=${CONTROLLERS.join(',')}`,
    '--leader-elect=false',
    '--kube-api-qps=100',
    '--kube-api-burst=200',
    '--profiling=false',
  ];
}

export function schedulerArgs(ports: ClusterPorts, f: ClusterFiles, caCert: string): string[] {
  return [
    ...componentArgs(f.schedKubeconfig, ports.sched, f.sched, caCert),
    '--leader-elect=false',
    '--profiling=false',
  ];
}

export function kwokArgs(ports: ClusterPorts, f: ClusterFiles): string[] {
  return [
    `--kubeconfig=${f.adminKubeconfig}`,
    `--config=${STAGES_FILE}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
    '--node-ip=127.0.0.1',
    '--cidr=10.244.0.0/16',
    '--node-lease-duration-seconds=40',
    `--server-address=127.0.0.1:${ports.kwok}`,
  ];
}
