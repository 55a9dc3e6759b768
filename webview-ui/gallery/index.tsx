import './gallery.css';
import { mountApp } from '../shared/mount';
import { GalleryApp } from './GalleryApp';

mountApp(GalleryApp);
