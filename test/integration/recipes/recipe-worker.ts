/** A worker serving the recipe test functions (catalog `recipes`), for the over-the-wire tests. */
import 'reflect-metadata';
import { bootstrapWorker, serveWorker } from '../../../src';
import { RecipeFunctionsModule } from './recipe-functions';

void bootstrapWorker({ catalog: 'recipes', modules: [RecipeFunctionsModule] }).then((w) =>
  serveWorker(w, process.argv.slice(2)),
);
