package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// client calls the two list actions of Security Center (V3-signed POST, empty body).
type client struct {
	endpoint *url.URL
	keyID    string
	secret   string
	http     *http.Client
	pageSize int
}

type pageInfo struct {
	CurrentPage int
	PageSize    int
	TotalCount  int
	Count       int
}

type checkItem struct {
	CheckId       int64
	CheckShowName string
}

type processDetail struct {
	TaskId       string
	DetailTaskId string
	StatusCode   *int
	AssetVendor  int
	AssetType    int
	AssetSubType int
	CreateTime   *int64
	StartTime    *int64
	EndTime      *int64
	Checks       []checkItem
}

type detailResponse struct {
	RequestId      string
	PageInfo       *pageInfo
	ProcessDetails []processDetail
}

type operationProcess struct {
	TaskId               string
	StatusCode           *int
	CreateTime           *int64
	DetailTaskTotalCount int
}

type processResponse struct {
	RequestId string
	PageInfo  *pageInfo
	Processes []operationProcess
}

type apiError struct {
	Code    string
	Message string
}

// call sends one signed request and decodes a 2xx body into out; 5xx and throttling are
// retried a few times with a growing pause.
func (c *client) call(action string, params []param, out interface{}) error {
	var last error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
		}
		retry, err := c.once(action, params, out)
		if err == nil || !retry {
			return err
		}
		last = err
	}
	return last
}

func (c *client) once(action string, params []param, out interface{}) (bool, error) {
	query := canonicalQuery(params)
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return false, err
	}
	headers := map[string]string{
		"host":                  c.endpoint.Host,
		"x-acs-action":          action,
		"x-acs-version":         "2018-12-03",
		"x-acs-date":            time.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"x-acs-signature-nonce": hex.EncodeToString(nonce),
		"x-acs-content-sha256":  emptyBodyHash,
		"accept":                "application/json",
	}
	authorization := signV3("POST", query, headers, c.keyID, c.secret)
	request, err := http.NewRequest("POST", c.endpoint.String()+"/?"+query, http.NoBody)
	if err != nil {
		return false, err
	}
	for name, value := range headers {
		if name != "host" {
			request.Header.Set(name, value)
		}
	}
	request.Header.Set("Authorization", authorization)
	response, err := c.http.Do(request)
	if err != nil {
		return true, err
	}
	defer response.Body.Close()
	if response.StatusCode < 200 || response.StatusCode > 299 {
		body, _ := io.ReadAll(response.Body)
		var failure apiError
		_ = json.Unmarshal(body, &failure)
		retry := response.StatusCode >= 500 || response.StatusCode == 429 || response.Header.Get("x-acs-retry-after") != ""
		return retry, fmt.Errorf("%s: HTTP %d %s %s", action, response.StatusCode, failure.Code, failure.Message)
	}
	if err := json.NewDecoder(response.Body).Decode(out); err != nil {
		return false, fmt.Errorf("%s: decode: %w", action, err)
	}
	return false, nil
}

// listTasks reads every page of ListOperationProcess for tasks created since startMs.
func (c *client) listTasks(startMs int64) ([]operationProcess, error) {
	var tasks []operationProcess
	for page := 1; ; page++ {
		params := []param{
			{"CurrentPage", strconv.Itoa(page)},
			{"PageSize", strconv.Itoa(c.pageSize)},
			{"StartTime", strconv.FormatInt(startMs, 10)},
		}
		var response processResponse
		if err := c.call("ListOperationProcess", params, &response); err != nil {
			return nil, err
		}
		tasks = append(tasks, response.Processes...)
		if done(response.PageInfo, len(tasks), len(response.Processes), c.pageSize) {
			return tasks, nil
		}
	}
}

// listSubtasks reads every page of ListOperationProcessDetail for a batch of task ids,
// handing each page to visit.
func (c *client) listSubtasks(taskIds []string, visit func([]processDetail)) error {
	rows := 0
	for page := 1; ; page++ {
		params := []param{
			{"CurrentPage", strconv.Itoa(page)},
			{"Lang", "en"},
			{"PageSize", strconv.Itoa(c.pageSize)},
		}
		for i, id := range taskIds {
			params = append(params, param{"TaskIds." + strconv.Itoa(i+1), id})
		}
		var response detailResponse
		if err := c.call("ListOperationProcessDetail", params, &response); err != nil {
			return err
		}
		visit(response.ProcessDetails)
		rows += len(response.ProcessDetails)
		if done(response.PageInfo, rows, len(response.ProcessDetails), c.pageSize) {
			return nil
		}
	}
}

// done tells whether a listing ended: rows reached TotalCount, or (without one) a short page.
func done(info *pageInfo, rows, pageRows, pageSize int) bool {
	if info != nil && info.TotalCount > 0 {
		return rows >= info.TotalCount || pageRows == 0
	}
	return pageRows < pageSize
}
