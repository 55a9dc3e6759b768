import './board.css';
import { mountApp } from '../shared/mount';
import { BoardApp } from './BoardApp';
import { boardFeed } from './feed';

// Ask for the snapshot before mounting, so the host works on it while React renders.
boardFeed();
mountApp(BoardApp);
