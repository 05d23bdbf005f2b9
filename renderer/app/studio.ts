/**
 * The renderer's state, built once at start over a connection, and the typed context that
 * hands it to components (the key stays private to this module).
 */
import { getContext, setContext } from 'svelte';
import type { StudioClient } from '../../electron/api/client';
import type { Connection } from '../api/connect';
import { AnnotationState } from '../editor/annotation.svelte';
import { ConnectionState } from './connection.svelte';
import { DatasetDashboardState } from '../datasets/datasetDashboard.svelte';
import { DatasetsState } from '../datasets/datasets.svelte';
import { DetectionState } from '../detect/detection.svelte';
import { FinetuneState } from '../finetune/finetune.svelte';
import { JobsState } from './jobs.svelte';
import { LibraryState } from '../library/library.svelte';
import { NavigationState } from './navigation.svelte';
import { NoticesState } from './notices.svelte';
import { ViewerState } from '../library/viewer.svelte';

export interface Studio {
  client: StudioClient;
  connection: ConnectionState;
  library: LibraryState;
  jobs: JobsState;
  viewer: ViewerState;
  notices: NoticesState;
  datasets: DatasetsState;
  detection: DetectionState;
  /** The editor view: the photo being annotated. */
  annotation: AnnotationState;
  /** Which view fills the centre: library, datasets or fine-tune. */
  navigation: NavigationState;
  /** The datasets view: the open dataset's dashboard, items, review and quality. */
  datasetDashboard: DatasetDashboardState;
  /** Fine-tune runs and the model registry. */
  finetune: FinetuneState;
  /** Subscribes to the core and loads the first data; returns the cleanup. */
  start(): () => void;
}

export function createStudio(connection: Connection): Studio {
  const { client } = connection;
  const library = new LibraryState(client);
  const jobs = new JobsState(client);
  const viewer = new ViewerState(library);
  const notices = new NoticesState();
  const connectionState = new ConnectionState(connection.transport);
  const datasets = new DatasetsState(client);
  const detection = new DetectionState(client, notices);
  const annotation = new AnnotationState(client, library, datasets, detection, notices);
  const navigation = new NavigationState();
  const datasetDashboard = new DatasetDashboardState(client, datasets, jobs, notices);
  const finetune = new FinetuneState(client, jobs, notices);

  return {
    client,
    connection: connectionState,
    library,
    jobs,
    viewer,
    notices,
    datasets,
    detection,
    annotation,
    navigation,
    datasetDashboard,
    finetune,
    start() {
      const cleanups = [
        jobs.start(),
        // Photos appear while a scan runs: refresh (throttled) on its progress, and once more at the end.
        jobs.onDidChange(() => library.scheduleRefresh()),
        jobs.onDidFinish(() => void library.refresh()),
        // An import makes a dataset; a save may have made 'default'.
        jobs.onDidFinish(() => void datasets.refresh().catch(() => {})),
        detection.start(jobs),
        finetune.start(),
        client.on('library.onDidChange', () => library.scheduleRefresh()),
        connection.onConnectionChange((connected) => {
          connectionState.connected = connected;
          if (connected) {
            void jobs.resync();
            library.scheduleRefresh();
          }
        }),
      ];
      library.start().catch((error: unknown) => notices.show(`Could not load the library: ${(error as Error).message}`));
      datasets.refresh().catch((error: unknown) => notices.show(`Could not load the datasets: ${(error as Error).message}`));
      return () => cleanups.forEach((cleanup) => cleanup());
    },
  };
}

const STUDIO_KEY = Symbol('studio');

export function setStudioContext(studio: Studio): void {
  setContext(STUDIO_KEY, studio);
}

export function getStudio(): Studio {
  const studio = getContext<Studio | undefined>(STUDIO_KEY);
  if (!studio) {
    throw new Error('getStudio() called outside the studio app');
  }
  return studio;
}
