import './board.css';
import { mountApp } from '../shared/mount';
import { BoardApp } from './BoardApp';

mountApp(BoardApp);
