// Dexie must see fake-indexeddb before it loads.
import 'fake-indexeddb/auto';
