/*
 * gallery.h - the gallery handlers (src/web/gallery.c): /gallery, its Atom
 * feed, /image/<taskid>, and their JSON and CSV twins.
 */
#ifndef ARBIUSD_GALLERY_H
#define ARBIUSD_GALLERY_H

#include "arbiusd/http.h"

/* GET /gallery */
int gallery_page_index(struct http_req *req, struct http_resp *resp);
/* GET /gallery.atom */
int gallery_page_atom(struct http_req *req, struct http_resp *resp);
/* GET /image/<taskid> */
int gallery_page_image(struct http_req *req, struct http_resp *resp);
/* GET /api/v1/image/<taskid> */
int gallery_api_image(struct http_req *req, struct http_resp *resp);
/* GET /api/v1/images */
int gallery_api_images(struct http_req *req, struct http_resp *resp);
/* GET /api/v1/images.csv (streamed) */
int gallery_api_csv(struct http_req *req, struct http_resp *resp);

#endif
